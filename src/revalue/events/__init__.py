"""Events leaving the installation: webhooks to partners and notifications to customers, both
through a transactional outbox written in the same transaction as the change they report."""
