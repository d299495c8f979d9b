"""Evidence files: stored by content hash, checked by type and size, owned by
an object of another feature (a score, claim, veto, self-report, appeal) whose
view permission decides who may download them. See :mod:`.services`."""
