//! The `API-Version` header: which schema version answers a request.
//!
//! Like the service: no header means current; the current and maintenance versions
//! answer as themselves; an older quarterly version (deprecated) is silently served by
//! the maintenance one; any other well-formed `YYYY-MM` (a future or never-released
//! month) is silently served as current; anything else is refused with
//! `InvalidVersionException`.

use super::schema::VersionKind;

/// The version served as current.
pub const CURRENT_VERSION: &str = "2026-10";
/// The version served as maintenance.
pub const MAINTENANCE_VERSION: &str = "2026-07";
/// The first versioned release of the service's API (year, month).
const FIRST_RELEASE: (u32, u32) = (2023, 4);

/// The version that answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServedVersion {
    /// `current` or `maintenance`.
    pub(crate) kind: VersionKind,
    /// `YYYY-MM`.
    pub(crate) value: &'static str,
}

impl ServedVersion {
    /// The current version.
    pub(crate) const CURRENT: Self = Self {
        kind: VersionKind::Current,
        value: CURRENT_VERSION,
    };
    /// The maintenance version.
    pub(crate) const MAINTENANCE: Self = Self {
        kind: VersionKind::Maintenance,
        value: MAINTENANCE_VERSION,
    };
}

/// Splits a well-formed `YYYY-MM` into year and month.
fn parse(value: &str) -> Option<(u32, u32)> {
    let bytes = value.as_bytes();
    let well_formed = bytes.len() == 7
        && bytes[4] == b'-'
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[5..].iter().all(u8::is_ascii_digit);
    if !well_formed {
        return None;
    }
    let year = value[..4].parse().ok()?;
    let month = value[5..].parse().ok()?;
    (1..=12).contains(&month).then_some((year, month))
}

/// Picks the version that answers for the header's value; `Err` carries nothing and
/// means the value is malformed.
pub(crate) fn resolve(header: Option<&str>) -> Result<ServedVersion, ()> {
    let Some(raw) = header else {
        return Ok(ServedVersion::CURRENT);
    };
    let asked = parse(raw.trim()).ok_or(())?;
    // The constants are well-formed; the fallbacks only keep this free of `unwrap`.
    let maintenance = parse(MAINTENANCE_VERSION).unwrap_or((0, 0));
    let current = parse(CURRENT_VERSION).unwrap_or((0, 0));
    let quarterly = matches!(asked.1, 1 | 4 | 7 | 10);
    Ok(if asked == current {
        ServedVersion::CURRENT
    } else if asked == maintenance {
        ServedVersion::MAINTENANCE
    } else if quarterly && asked >= FIRST_RELEASE && asked < maintenance {
        // A deprecated version is served by the maintenance one.
        ServedVersion::MAINTENANCE
    } else {
        ServedVersion::CURRENT
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_the_service() {
        assert_eq!(resolve(None), Ok(ServedVersion::CURRENT));
        assert_eq!(resolve(Some("2026-10")), Ok(ServedVersion::CURRENT));
        assert_eq!(resolve(Some("2026-07")), Ok(ServedVersion::MAINTENANCE));
        assert_eq!(resolve(Some("2025-04")), Ok(ServedVersion::MAINTENANCE));
        assert_eq!(resolve(Some("2026-08")), Ok(ServedVersion::CURRENT));
        assert_eq!(resolve(Some("2031-01")), Ok(ServedVersion::CURRENT));
        assert_eq!(resolve(Some("2019-01")), Ok(ServedVersion::CURRENT));
        assert_eq!(resolve(Some("2026-13")), Err(()));
        assert_eq!(resolve(Some("latest")), Err(()));
        assert_eq!(resolve(Some("2026-7")), Err(()));
        assert_eq!(resolve(Some("２０２６-10")), Err(()));
    }
}
