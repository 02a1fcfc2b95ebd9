//! Reading a request body once the request is authorized: bounded in size and in time.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, header};
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;

/// How much of an oversized body is read and thrown away so that the client sees the 413
/// (a client still writing when the server closes often sees a reset instead). A body
/// declared larger than this is answered at once.
const DRAIN_LIMIT_BYTES: u64 = 4 * 1024 * 1024;

/// Why a body was not read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Over the limit (413).
    TooLarge,
    /// Not sent within the body deadline (408).
    Timeout,
    /// The client broke its own request.
    Broken,
}

/// The declared `Content-Length`, when there is a valid one.
pub(crate) fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Reads at most `limit` bytes of `body` within `timeout`. What is over the limit is
/// read and dropped (up to a few MiB, never kept), so that the 413 reaches the client.
pub(crate) async fn read_limited(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError> {
    if declared_length(headers).is_some_and(|n| n > DRAIN_LIMIT_BYTES.max(limit as u64)) {
        return Err(BodyError::TooLarge);
    }
    match tokio::time::timeout(timeout, read(body, limit)).await {
        Ok(read) => read,
        Err(_) => Err(BodyError::Timeout),
    }
}

async fn read(mut body: Body, limit: usize) -> Result<Bytes, BodyError> {
    let mut kept = BytesMut::new();
    let mut total = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| BodyError::Broken)?;
        if let Ok(data) = frame.into_data() {
            total = total.saturating_add(data.len() as u64);
            if total > DRAIN_LIMIT_BYTES.max(limit as u64) {
                return Err(BodyError::TooLarge);
            }
            if total <= limit as u64 {
                kept.extend_from_slice(&data);
            }
        }
    }
    if total > limit as u64 {
        Err(BodyError::TooLarge)
    } else {
        Ok(kept.freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_within_the_limit_is_read_whole() {
        let body = read_limited(
            Body::from("hello"),
            &HeaderMap::new(),
            5,
            Duration::from_secs(1),
        )
        .await;
        assert_eq!(body.unwrap(), Bytes::from_static(b"hello"));
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_too_large() {
        let body = read_limited(
            Body::from("hello!"),
            &HeaderMap::new(),
            5,
            Duration::from_secs(1),
        )
        .await;
        assert_eq!(body, Err(BodyError::TooLarge));
    }

    #[tokio::test]
    async fn a_declared_length_far_over_the_limit_is_refused_unread() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_LENGTH, "999999999".parse().unwrap());
        let body = read_limited(Body::from("x"), &headers, 5, Duration::from_secs(1)).await;
        assert_eq!(body, Err(BodyError::TooLarge));
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_never_ends_times_out() {
        let (_tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let body = Body::from_stream(stream);
        let read = read_limited(body, &HeaderMap::new(), 5, Duration::from_secs(30)).await;
        assert_eq!(read, Err(BodyError::Timeout));
    }
}
