"""App-ready bundles: one folder per target (android, ios, generic) with the model files, labels.txt,
model_card.json and a README for the app developer. Every bundled model is loaded back by its runtime and must
give the top-1 the verify stage measured."""

TARGETS = ("android", "ios", "generic")
