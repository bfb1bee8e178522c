"""Reads a mailbox through an IMAP port with Python's imaplib, as a mail client would.

Usage: imap_read.py PORT USER PASSWORD login|plain
Lists the folders, selects INBOX, searches, fetches headers and whole messages (their SHA-256 and
their attachments' SHA-256 via the email package), marks the first message seen, and prints one
JSON object with what it saw.
"""
import base64
import email
import hashlib
import imaplib
import json
import re
import sys

port, user, password, how = sys.argv[1:5]
out = {}
m = imaplib.IMAP4("127.0.0.1", int(port), timeout=20)
try:
    if how == "plain":
        typ, _ = m.authenticate("PLAIN", lambda _: ("\0%s\0%s" % (user, password)).encode())
    else:
        typ, _ = m.login(user, password)
    out["login"] = typ
    typ, lines = m.list()
    out["folders"] = [re.search(rb'"([^"]*)"$', l).group(1).decode() for l in lines]
    typ, data = m.select("INBOX")
    out["exists"] = int(data[0])
    typ, data = m.search(None, "UNSEEN")
    out["unseen"] = [int(n) for n in data[0].split()]
    typ, data = m.uid("SEARCH", None, "ALL")
    uids = [int(n) for n in data[0].split()]
    out["uids"] = uids
    messages = []
    for uid in uids:
        typ, data = m.uid("FETCH", str(uid), "(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
        header = data[0][1].decode()
        size = int(re.search(rb"RFC822.SIZE (\d+)", data[0][0]).group(1))
        typ, data = m.uid("FETCH", str(uid), "(BODY.PEEK[])")
        raw = data[0][1]
        parsed = email.message_from_bytes(raw)
        attachments = [hashlib.sha256(p.get_payload(decode=True)).hexdigest() for p in parsed.walk() if p.get_filename()]
        # As Thunderbird does for large messages: the structure first, then only the attachment's part.
        typ, data = m.uid("FETCH", str(uid), "(BODYSTRUCTURE)")
        structure = data[0].decode("latin1")
        part2 = None
        if '"ATTACHMENT"' in structure:
            typ, data = m.uid("FETCH", str(uid), "(BODY.PEEK[2])")
            part2 = hashlib.sha256(base64.b64decode(data[0][1])).hexdigest()
        messages.append({"uid": uid, "size": size, "header": header, "sha256": hashlib.sha256(raw).hexdigest(), "rawLength": len(raw),
                         "attachments": attachments, "structure": structure, "part2": part2})
    out["messages"] = messages
    if uids:
        typ, data = m.uid("STORE", str(uids[0]), "+FLAGS", "(\\Seen)")
        out["stored"] = typ
    typ, data = m.search(None, "UNSEEN")
    out["unseenAfter"] = [int(n) for n in data[0].split()]
    typ, data = m.status("Sent", "(MESSAGES UIDVALIDITY)")
    out["sentStatus"] = data[0].decode()
    m.logout()
except imaplib.IMAP4.error as e:
    out["error"] = str(e)
print(json.dumps(out))
