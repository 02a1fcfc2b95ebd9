//! Secrets: compared without revealing, through timing, where a guess goes wrong; and
//! read from `{ file = "PATH" }` only as a small regular file.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use subtle::ConstantTimeEq;

/// True when `given` is exactly `expected`, compared in constant time (`subtle`); only
/// the length may show through timing.
pub(crate) fn secret_matches(given: &[u8], expected: &[u8]) -> bool {
    given.ct_eq(expected).into()
}

/// The largest secret file: 64 KiB (a private key in PEM is a few KiB).
pub const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// Reads a `{ file = "PATH" }` secret: a regular file (a symlink to one is followed, as
/// secret mounts are made of them) of at most [`MAX_SECRET_FILE_BYTES`], with one
/// trailing newline dropped. Anything else (a device such as `/dev/zero`, a pipe, a
/// folder, a bigger file, text that is not UTF-8) is refused with words that say why and
/// never hold the file's content.
pub fn read_secret_file(path: &Path) -> Result<String, String> {
    let not_regular = || "it is not a regular file".to_owned();
    if !std::fs::metadata(path)
        .map_err(|e| e.to_string())?
        .is_file()
    {
        return Err(not_regular());
    }
    // Opened without blocking (a pipe swapped in after the check would block a read),
    // then checked again on the handle itself.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| e.to_string())?;
    if !file.metadata().map_err(|e| e.to_string())?.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.take(MAX_SECRET_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_SECRET_FILE_BYTES {
        return Err(format!(
            "it is over {MAX_SECRET_FILE_BYTES} bytes (64 KiB), the largest secret file"
        ));
    }
    let mut text = String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_owned())?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_secret_matches() {
        assert!(secret_matches(b"s3cret", b"s3cret"));
        assert!(!secret_matches(b"s3cre", b"s3cret"));
        assert!(!secret_matches(b"s3cret!", b"s3cret"));
        assert!(!secret_matches(b"", b"s3cret"));
    }

    #[test]
    fn a_secret_file_is_a_small_regular_file_and_a_symlink_to_one_is_followed() {
        let dir = crate::TempDb::new().path().with_extension("secrets");
        std::fs::create_dir_all(&dir).unwrap();
        let token = dir.join("token");
        std::fs::write(&token, "tok-in-file\n\n").unwrap();
        assert_eq!(read_secret_file(&token).unwrap(), "tok-in-file\n");
        let link = dir.join("link");
        std::os::unix::fs::symlink(&token, &link).unwrap();
        assert_eq!(read_secret_file(&link).unwrap(), "tok-in-file\n");
        let big = dir.join("big");
        std::fs::write(&big, "k".repeat(64 * 1024 + 1)).unwrap();
        let started = std::time::Instant::now();
        for (path, why) in [
            (Path::new("/dev/zero"), "not a regular file"),
            (dir.as_path(), "not a regular file"),
            (big.as_path(), "64 KiB"),
        ] {
            let e = read_secret_file(path).unwrap_err();
            assert!(e.contains(why), "{}: {e}", path.display());
            assert!(!e.contains("kkkk"), "{e}");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
