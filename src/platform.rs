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

/// A boxed future that borrows for `'a`: `Send` natively, not on wasm.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type BoxFutureIn<'a, O> = Pin<Box<dyn Future<Output = O> + Send + 'a>>;
/// A boxed future that borrows for `'a`: `Send` natively, not on wasm.
#[cfg(target_arch = "wasm32")]
pub(crate) type BoxFutureIn<'a, O> = Pin<Box<dyn Future<Output = O> + 'a>>;

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

/// Waits `duration` with `setTimeout`; the timer is cleared if the wait is dropped first.
#[cfg(target_arch = "wasm32")]
pub(crate) async fn sleep(duration: std::time::Duration) {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::JsCast;

    /// Clears the timer when the wait ends or is dropped.
    struct Timer(Option<wasm_bindgen::JsValue>);
    impl Drop for Timer {
        fn drop(&mut self) {
            let global = js_sys::global();
            if let (Some(id), Some(clear)) = (
                self.0.take(),
                Reflect::get(&global, &"clearTimeout".into())
                    .ok()
                    .and_then(|f| f.dyn_into::<Function>().ok()),
            ) {
                let _ = clear.call1(&global, &id);
            }
        }
    }

    // setTimeout's delay is a signed 32-bit count of milliseconds; longer waits would fire at once.
    let millis = duration.as_millis().min(i32::MAX as u128) as f64;
    let global = js_sys::global();
    let Some(set_timeout) = Reflect::get(&global, &"setTimeout".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    else {
        // No timer at all: nothing can wait, so no wait is better than a hang.
        return;
    };
    let mut timer = Timer(None);
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        timer.0 = set_timeout.call2(&global, &resolve, &millis.into()).ok();
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    drop(timer);
}

/// 64 bits for retry jitter on wasm (spread, not secrecy): `Math.random()`.
#[cfg(target_arch = "wasm32")]
pub(crate) fn jitter_bits() -> u64 {
    (js_sys::Math::random() * (u64::MAX as f64)) as u64
}
