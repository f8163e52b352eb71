"""aarch64 without a board: a user-space emulator (qemu, Debian 13's static build) and an aarch64 Python with the
official runtimes, fetched from the package registries into edgeopt's cache (provision.py), and the command
that runs a Python script on them (emulator.py)."""
