"""Report emails: the summary (``summary``, pure), its charts (``charts``), the MIME
message (``message``), privacy checks (``privacy``), SMTP delivery (``send``), the send
log (``log``) and the ``email`` command that wires them together (``run.run_email``)."""
