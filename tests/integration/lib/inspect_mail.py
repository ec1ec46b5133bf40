#!/usr/bin/python3
"""Summarises a delivered message (an smtp-sink dump or an .eml) as JSON.

  inspect_mail.py FILE

Prints: the decoded Subject, the X-Mugai-* fields, every Received line,
the content type of every MIME part, each attachment's file name, size
and (for zip-based ones) member names, and the decoded text of the
text/plain parts.  Used by the integration scripts to assert on content.
"""
import email
import email.policy
import io
import json
import sys
import zipfile


def main():
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = {
        "subject": str(msg.get("Subject", "")),
        "from": str(msg.get("From", "")),
        "mugai_id": str(msg.get("X-Mugai-Id", "")),
        "mugai_verdict": str(msg.get("X-Mugai-Verdict", "")),
        "received": [" ".join(str(r).split()) for r in msg.get_all("Received", [])],
        "types": [],
        "attachments": [],
        "text": "",
    }
    for part in msg.walk():
        out["types"].append(part.get_content_type())
        if part.is_multipart():
            continue
        name = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if name or part.get_content_disposition() == "attachment":
            att = {"name": name, "type": part.get_content_type(), "size": len(payload),
                   "members": []}
            if payload[:2] == b"PK":
                try:
                    att["members"] = zipfile.ZipFile(io.BytesIO(payload)).namelist()
                except zipfile.BadZipFile:
                    att["members"] = ["<bad zip>"]
            out["attachments"].append(att)
        elif part.get_content_type() == "text/plain":
            out["text"] += part.get_content()
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
