"""Checksummed, atomic downloads and the cache folder.

``download(urls, destination, sha256)`` tries each mirror URL in turn, streams the body into a
temporary file beside ``destination`` while hashing it, and only when the SHA-256 matches moves it
into place with ``os.replace``. A failed, cut-off or corrupt download leaves nothing behind; when
every mirror fails, ``DownloadError`` lists each URL and what went wrong there.
"""

import hashlib
import http.client
import os
import urllib.error
import urllib.request

from mathdl.io import atomic_write

CHUNK_BYTES = 1 << 20


class DownloadError(OSError):
    """No mirror delivered the file with the expected checksum; the message lists each attempt."""


def cache_root():
    """The root of mathdl's dataset cache: ``$MATHDL_DATA`` if set, else ``~/.cache/mathdl``."""
    root = os.environ.get("MATHDL_DATA")
    if root:
        return os.path.abspath(os.path.expanduser(root))
    return os.path.join(os.path.expanduser("~"), ".cache", "mathdl")


def cache_folder(dataset):
    """The cache folder of one dataset: ``<cache_root()>/<dataset>``."""
    return os.path.join(cache_root(), dataset)


def file_digest(path, algorithm="sha256"):
    """The hex digest of a file's bytes (read in 1 MiB chunks)."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _Rejected(Exception):
    """Raised inside ``atomic_write`` so the temporary file of a bad download is removed."""


def _fetch_one(url, destination, expected, timeout):
    """Download ``url`` into ``destination``; return None on success or a message saying why not.

    ``expected`` maps hash names to hex digests; every one of them must match.
    """
    try:
        with atomic_write(destination) as out:
            digests = {algorithm: hashlib.new(algorithm) for algorithm in expected}
            size = 0
            with urllib.request.urlopen(url, timeout=timeout) as response:
                declared = response.headers.get("Content-Length")
                for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
                    for digest in digests.values():
                        digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            if declared is not None and declared.isdigit() and int(declared) != size:
                raise _Rejected(f"{url}: the connection closed after {size} of {declared} bytes")
            for algorithm, digest in digests.items():
                actual = digest.hexdigest()
                if actual != expected[algorithm]:
                    raise _Rejected(
                        f"{url}: {algorithm.upper()} mismatch (file damaged or not the "
                        f"official one): expected {expected[algorithm]}, got {actual} "
                        f"({size} bytes)"
                    )
        return None
    except _Rejected as rejection:
        return str(rejection)
    except urllib.error.HTTPError as error:
        return f"{url}: HTTP {error.code} {error.reason}"
    except urllib.error.URLError as error:
        return f"{url}: cannot connect ({error.reason})"
    except (OSError, ValueError, http.client.HTTPException) as error:
        # ValueError: a malformed URL; OSError: timeouts, resets, a full disk.
        return f"{url}: {type(error).__name__}: {error}"


def download(urls, destination, checksum, algorithm="sha256", timeout=60.0):
    """Fetch the first of ``urls`` whose bytes match ``checksum`` into ``destination``.

    Args:
        urls: candidate URLs of the same file (mirrors), tried in order.
        destination: the final path; its folder is created if needed.
        checksum: the expected hex digest under ``algorithm`` (``"sha256"`` or ``"md5"``), or a
            dict ``{"sha256": ..., "md5": ...}`` of digests that must all match.
        timeout: seconds before a silent connection is given up.

    Returns ``destination``. Raises ``DownloadError`` naming every URL tried and its failure
    (unreachable, HTTP status, cut off, or expected vs actual checksum); nothing is left behind.
    """
    urls = [urls] if isinstance(urls, str) else list(urls)
    if not urls:
        raise ValueError("download: no URLs given")
    expected = dict(checksum) if isinstance(checksum, dict) else {algorithm: checksum}
    if not expected:
        raise ValueError("download: no checksum given")
    for name, digest in expected.items():
        if name not in ("sha256", "md5"):
            raise ValueError(f"download: algorithm must be 'sha256' or 'md5', got {name!r}")
        if not isinstance(digest, str):
            raise TypeError(f"download: the {name} checksum must be a hex string, got {digest!r}")
    expected = {name: digest.lower() for name, digest in expected.items()}
    os.makedirs(os.path.dirname(os.path.abspath(destination)), exist_ok=True)
    failures = []
    for url in urls:
        failure = _fetch_one(url, destination, expected, timeout)
        if failure is None:
            return destination
        failures.append(failure)
    raise DownloadError(f"could not download {os.path.basename(destination)}:\n  " + "\n  ".join(failures))
