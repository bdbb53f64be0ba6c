//! What differs between native targets and `wasm32-unknown-unknown`, in one place.
//!
//! On wasm the SDK runs on one JavaScript thread: reqwest's `fetch` futures hold JavaScript
//! values, which are neither `Send` nor `Sync`. The futures and streams that the SDK hands out
//! are therefore `Send` natively and not on wasm, where nothing could move them to another
//! thread anyway. Bounds that must be `Send` natively say [`MaybeSend`] instead.

use std::future::Future;
use std::pin::Pin;

use crate::Error;

/// `Send` natively; nothing on wasm.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}

/// `Send` natively; nothing on wasm.
#[cfg(target_arch = "wasm32")]
pub(crate) trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// `Sync` natively; nothing on wasm.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}

/// `Sync` natively; nothing on wasm.
#[cfg(target_arch = "wasm32")]
pub(crate) trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// The future of a request builder's `.await` (`IntoFuture`): `Send` natively.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'static>>;
/// The future of a request builder's `.await` (`IntoFuture`): not `Send` on wasm.
#[cfg(target_arch = "wasm32")]
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + 'static>>;

/// The stream of a list query's `stream()`: `Send` natively.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type BoxStream<T> =
    Pin<Box<dyn futures_core::Stream<Item = Result<T, Error>> + Send + 'static>>;
/// The stream of a list query's `stream()`: not `Send` on wasm.
#[cfg(target_arch = "wasm32")]
pub(crate) type BoxStream<T> =
    Pin<Box<dyn futures_core::Stream<Item = Result<T, Error>> + 'static>>;

/// Boxes `stream` as a [`BoxStream`].
pub(crate) fn box_stream<T, S>(stream: S) -> BoxStream<T>
where
    S: futures_core::Stream<Item = Result<T, Error>> + MaybeSend + 'static,
{
    Box::pin(stream)
}

/// A reqwest client builder with the settings that exist on this target: natively a connect
/// timeout and no redirects. reqwest's `fetch` client on wasm has neither; there the SDK's
/// own `fetch` call refuses redirects (see `exchange`), and a call's timeout bounds the
/// connection too.
pub(crate) fn client_builder(
    connect_timeout: Option<std::time::Duration>,
) -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    #[cfg(not(target_arch = "wasm32"))]
    let builder = match connect_timeout {
        Some(timeout) => builder.connect_timeout(timeout),
        None => builder,
    };
    #[cfg(target_arch = "wasm32")]
    let _ = connect_timeout;
    builder
}

/// `builder` with redirects off, whatever was configured before: a redirect would carry the
/// API key to another host. On wasm reqwest has no redirect setting; the SDK's `fetch` call
/// refuses them there.
pub(crate) fn no_redirects(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    #[cfg(not(target_arch = "wasm32"))]
    let builder = builder.redirect(reqwest::redirect::Policy::none());
    builder
}
