"""A corpus of malformed and hostile messages for the mail-in listener (raw bytes, CRLF line ends)."""

import base64

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF64 = base64.b64encode(PDF)


def _crlf(text: bytes) -> bytes:
    return text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _head(to: str, extra: bytes = b"") -> bytes:
    return (b"From: x@example.com\nTo: " + to.encode() + b"\nSubject: test\nMessage-ID: <h@x>\n" + extra
            + b"MIME-Version: 1.0\n")


def _attach(to: str, disposition: bytes, body: bytes = PDF64, ctype: bytes = b"application/pdf") -> bytes:
    return _head(to) + (b'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain\n\nhi\n'
                        b"--B\nContent-Type: " + ctype + b"\nContent-Transfer-Encoding: base64\n"
                        b"Content-Disposition: " + disposition + b"\n\n" + body + b"\n--B--\n")


def _nested(to: str, depth: int) -> bytes:
    inner = b"Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n" \
            b'Content-Disposition: attachment; filename="deep.pdf"\n\n' + PDF64 + b"\n"
    for _ in range(depth):
        inner = b"Content-Type: message/rfc822\n\nSubject: fw\nMIME-Version: 1.0\n" + inner
    return _head(to) + inner


def _nested_multipart(to: str, depth: int) -> bytes:
    body = b"Content-Type: text/plain\n\nfond\n"
    for level in range(depth):
        boundary = b"L%d" % level
        body = (b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\n\n--' + boundary + b"\n" + body
                + b"\n--" + boundary + b"--\n")
    return _head(to) + body


def _many_parts(to: str, count: int) -> bytes:
    parts = b"".join(b"--M\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
                     b'Content-Disposition: attachment; filename="p%d.pdf"\n\n' % index + PDF64 + b"\n"
                     for index in range(count))
    return _head(to) + b'Content-Type: multipart/mixed; boundary="M"\n\n' + parts + b"--M--\n"


def hostile_corpus(to: str) -> list[tuple[str, bytes]]:
    corpus = [
        ("empty body", _head(to) + b"\n"),
        ("headers only, no blank line", b"From: a@b\nTo: " + to.encode() + b"\n"),
        ("no headers at all", b"\njust a body\n"),
        ("broken boundary never closed", _head(to) + b'Content-Type: multipart/mixed; boundary="B"\n\n--B\n'
                                                  b"Content-Type: application/pdf\n\n" + PDF),
        ("boundary missing from header", _head(to) + b"Content-Type: multipart/mixed\n\n--B\nhello\n--B--\n"),
        ("empty boundary", _head(to) + b'Content-Type: multipart/mixed; boundary=""\n\n--\nx\n----\n'),
        ("boundary that is a prefix of content", _head(to) + b'Content-Type: multipart/mixed; boundary="-"\n\n'
                                                           b"---\n--\n---\n-----\n"),
        ("dotdot filename", _attach(to, b'attachment; filename="../../../../etc/passwd.pdf"')),
        ("absolute filename", _attach(to, b'attachment; filename="/tmp/owned.pdf"')),
        ("windows path filename", _attach(to, b'attachment; filename="C:\\\\Windows\\\\evil.pdf"')),
        ("encoded-word dotdot filename", _attach(to, b'attachment; filename="=?utf-8?b?Li4vLi4vZXZpbC5wZGY=?="')),
        ("rfc2231 filename", _attach(to, b"attachment; filename*=UTF-8''facture%20d%C3%A9cembre.pdf")),
        ("rfc2231 dotdot", _attach(to, b"attachment; filename*=UTF-8''..%2F..%2Fescape.pdf")),
        ("rfc2231 continuations", _attach(to, b"attachment; filename*0*=UTF-8''a%2F; filename*1=b.pdf")),
        ("rfc2231 bad charset", _attach(to, b"attachment; filename*=x-unknown''%FF%FE.pdf")),
        ("rfc2231 broken percent", _attach(to, b"attachment; filename*=UTF-8''%ZZ%.pdf")),
        ("NUL in filename", _attach(to, b'attachment; filename="fac\x00ture.pdf"')),
        ("control chars in filename", _attach(to, b'attachment; filename="a\x1b[31mb\x07.pdf"')),
        ("very long filename", _attach(to, b'attachment; filename="' + b"A" * 900 + b'.pdf"')),
        ("invalid base64", _attach(to, b'attachment; filename="bad.pdf"', body=b"%%%%not base64!!!!====")),
        ("truncated base64", _attach(to, b'attachment; filename="trunc.pdf"', body=PDF64[:-7])),
        ("header injection in subject", _crlf(b"From: x@example.com\nTo: " + to.encode()
                                             + b"\nSubject: =?utf-8?q?a=0D=0ABcc:_victim@example.com?=\n"
                                             b"Message-ID: <inj@x>\n\nbody\n")),
        ("header injection in filename", _attach(to, b'attachment; filename="=?utf-8?q?x=0D=0AX-Evil:_1.pdf?="')),
        ("huge header", _head(to, b"X-Big: " + b"a" * 900 + b"\n" + b"".join(b" " + b"b" * 900 + b"\n"
                                                                            for _ in range(300))) + b"\nhi\n"),
        ("thousands of headers", _head(to, b"".join(b"X-H%d: v\n" % index for index in range(5000))) + b"\nhi\n"),
        ("NUL bytes in body", _head(to) + b"\nhello\x00world\x00\x00\n"),
        ("NUL bytes in headers", b"From: x\x00@example.com\nTo: " + to.encode() + b"\nSubject: a\x00b\n\nx\n"),
        ("non-utf8 charset", _head(to) + b"Content-Type: text/plain; charset=x-klingon\n\n\xff\xfe\xfd\n"),
        ("latin-1 raw subject", b"From: x@example.com\nTo: " + to.encode() + b"\nSubject: caf\xe9 cr\xe8me\n\nx\n"),
        ("bad encoded-word", _head(to, b"X-A: =?bogus?Q?=FF=?=\n") + b"\nbody\n"),
        ("5000 parts", _many_parts(to, 5000)),
        ("deeply nested message/rfc822", _nested(to, 300)),
        ("deeply nested multipart", _nested_multipart(to, 400)),
        ("nested message/rfc822 with an attachment", _nested(to, 3)),
        ("message/rfc822 with no body", _head(to) + b"Content-Type: message/rfc822\n\n"),
        ("unknown transfer encoding", _attach(to, b'attachment; filename="x.pdf"').replace(b"base64", b"x-rot13")),
        ("quoted-printable garbage", _attach(to, b'attachment; filename="q.pdf"', body=b"=ZZ=\n=0").replace(
            b"Transfer-Encoding: base64", b"Transfer-Encoding: quoted-printable")),
        ("executable attachment", _attach(to, b'attachment; filename="setup.pdf"',
                                          body=base64.b64encode(b"MZ\x90\x00" + b"\x00" * 200))),
        ("duplicate content-type headers", _head(to) + b"Content-Type: multipart/mixed; boundary=A\n"
                                                     b"Content-Type: text/plain\n\n--A\nx\n--A--\n"),
        ("binary garbage", bytes(range(256)) * 20),
        ("message starting with #!", b"#!/bin/sh\nrm -rf /\n"),
        ("lone CRs and LFs", _head(to) + b"\n\r\r\r\nmixed\rline\nends\r\n"),
    ]
    return [(name, _crlf(raw) if b"\r\n" not in raw else raw) for name, raw in corpus]
