"""The triage classifier: data, text preparation, features, model, artifact, training, evaluation, corrections."""
