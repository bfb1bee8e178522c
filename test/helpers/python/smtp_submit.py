"""Submits one message through an SMTP port with Python's smtplib, as a mail client would.

Usage: smtp_submit.py PORT USER PASSWORD MAIL_FROM RCPT[,RCPT...] SUBJECT ATTACHMENT_FILE|-
Prints one JSON line: {"ok": true} or {"ok": false, "code": N, "error": "..."}.
"""
import json
import smtplib
import sys
from email.message import EmailMessage

port, user, password, mail_from, rcpts, subject, attachment = sys.argv[1:8]
msg = EmailMessage()
msg["From"] = mail_from
msg["To"] = rcpts
msg["Subject"] = subject
msg.set_content("Hello from smtplib.\n")
if attachment != "-":
    with open(attachment, "rb") as f:
        msg.add_attachment(f.read(), maintype="application", subtype="octet-stream", filename="data.bin")
try:
    with smtplib.SMTP("127.0.0.1", int(port), timeout=20) as s:
        s.ehlo()
        s.login(user, password)
        s.send_message(msg, from_addr=mail_from, to_addrs=rcpts.split(","))
    print(json.dumps({"ok": True}))
except smtplib.SMTPResponseException as e:
    print(json.dumps({"ok": False, "code": e.smtp_code, "error": e.smtp_error.decode("utf-8", "replace")}))
except smtplib.SMTPRecipientsRefused as e:
    code, text = next(iter(e.recipients.values()))
    print(json.dumps({"ok": False, "code": code, "error": text.decode("utf-8", "replace")}))
