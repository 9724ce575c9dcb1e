#!/usr/bin/env python3
"""Check conform's golden signature vectors with Python's standard library only.

Usage: python3 check_vectors.py [VECTORS_DIR]
VECTORS_DIR defaults to ../vectors next to this script (golden/vectors).

This is an independent implementation of the four signing formulas: it shares
no code with the Go kit, so a vector that passes here and in Go was computed
right twice. Prints one line per failing vector, then
"vectors: N passed, M failed"; exits 1 on any failure (or when no vector ran).
"""
import base64
import hashlib
import hmac
import json
import os
import re
import sys

FORMAT = "conform-signature-vectors/v1"
MAX_GENERATED = 16 << 20


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


# The four formulas, written out from the provider documents (see golden/README.md).
FORMULAS = {
    # X-SIGNATURE = hex(sha256(payload || secret))
    "veriff-x-signature": ("X-SIGNATURE", lambda s, p: sha256_hex(p + s)),
    # X-HMAC-SIGNATURE = hex(hmac_sha256(key=secret, payload))
    "veriff-hmac": ("X-HMAC-SIGNATURE", lambda s, p: hmac.new(s, p, hashlib.sha256).hexdigest()),
    # Signature = hex(sha256(payload || hex(sha256(secret))))
    "shuftipro": ("Signature", lambda s, p: sha256_hex(p + sha256_hex(s).encode("ascii"))),
    # Signature = hex(sha256(payload || secret))  (clients registered before 15 March 2023)
    "shuftipro-legacy": ("Signature", lambda s, p: sha256_hex(p + s)),
}

# Exactly 64 hex digits, either case. Checked explicitly because
# bytes.fromhex() skips whitespace and would accept " abc... ".
HEX64 = re.compile(r"\A[0-9a-fA-F]{64}\Z")


class VectorError(Exception):
    pass


def body_of(v):
    gen = v.get("body_generate")
    if gen is not None:
        if "body" in v or "body_base64" in v:
            raise VectorError("body_generate excludes body and body_base64")
        unit = gen["repeat"].encode("utf-8")
        n = gen["bytes"]
        if not unit or not isinstance(n, int) or n < 0 or n > MAX_GENERATED:
            raise VectorError("bad body_generate")
        # Expansion is over bytes: repeat the UTF-8 bytes, cut at exactly n bytes.
        return (unit * (n // len(unit) + 1))[:n]
    if "body_base64" in v:
        try:
            data = base64.b64decode(v["body_base64"], validate=True)
        except ValueError as e:
            raise VectorError("body_base64: %s" % e)
        if "body" in v and v["body"].encode("utf-8") != data:
            raise VectorError("body and body_base64 disagree")
        return data
    if "body" in v:
        return v["body"].encode("utf-8")
    raise VectorError("no body")


def header(headers, name):
    for k, val in headers.items():
        if k.lower() == name.lower():
            return val
    return None


def verdict(profile, secret, body, headers):
    name, formula = FORMULAS[profile]
    got = header(headers, name)
    if got is None or not HEX64.match(got):
        return "reject"
    want = formula(secret.encode("utf-8"), body)
    # Hex is case-insensitive (Veriff's own validator lowercases the header).
    return "accept" if hmac.compare_digest(want, got.lower()) else "reject"


def check_vector(v, file_profile):
    if v.get("profile") != file_profile:
        raise VectorError("profile %r in the file of %r" % (v.get("profile"), file_profile))
    if v.get("verdict") not in ("accept", "reject"):
        raise VectorError("bad verdict %r" % v.get("verdict"))
    if v["verdict"] == "reject" and not v.get("reason"):
        raise VectorError("rejected vector without reason")
    body = body_of(v)
    if len(body) != v["body_length"]:
        raise VectorError("body is %d bytes, body_length says %d" % (len(body), v["body_length"]))
    if sha256_hex(body) != v["body_sha256"]:
        raise VectorError("body_sha256 mismatch")
    got = verdict(v["profile"], v["secret"], body, v["headers"])
    if got != v["verdict"]:
        raise VectorError("expected %s, got %s" % (v["verdict"], got))


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    vdir = argv[1] if len(argv) > 1 else os.path.join(here, "..", "vectors")
    try:
        names = sorted(n for n in os.listdir(vdir) if n.endswith(".json"))
    except OSError as e:
        print("cannot read %s: %s" % (vdir, e))
        names = []
    passed = failed = 0
    seen = set()
    for name in names:
        path = os.path.join(vdir, name)
        try:
            with open(path, "rb") as fh:
                doc = json.loads(fh.read().decode("utf-8"))
            if doc.get("format") != FORMAT:
                raise VectorError("format %r" % doc.get("format"))
            if doc.get("secrets_are_test_only") is not True:
                raise VectorError("secrets_are_test_only is not true")
            if doc.get("profile") not in FORMULAS:
                raise VectorError("unknown profile %r" % doc.get("profile"))
            if doc.get("header") != FORMULAS[doc["profile"]][0]:
                raise VectorError("header %r" % doc.get("header"))
            vectors = doc["vectors"]
            if not isinstance(vectors, list):
                raise VectorError("vectors is not a list")
        except (OSError, ValueError, KeyError, TypeError, AttributeError, VectorError) as e:
            print("FAIL %s: %s" % (name, e))
            failed += 1
            continue
        for i, v in enumerate(vectors):
            vid = (v.get("id") if isinstance(v, dict) else None) or "%s#%d" % (name, i)
            try:
                if vid in seen:
                    raise VectorError("duplicate id")
                seen.add(vid)
                check_vector(v, doc["profile"])
                passed += 1
            except (KeyError, TypeError, ValueError, AttributeError, VectorError) as e:
                print("FAIL %s: %s" % (vid, e))
                failed += 1
    if passed + failed == 0:
        print("FAIL no vectors found in %s" % vdir)
        failed = 1
    print("vectors: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
