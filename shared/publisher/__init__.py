"""Every event of the log published to NATS JetStream as a CloudEvent, in log order, once.

``envelope`` turns a recorded event into its subject and CloudEvents 1.0 JSON (pure);
``jetstream`` is the durable consumer that publishes them; ``worker`` runs it as its own
database role; ``asyncapi`` describes what is published, from the event contracts.
"""
