//! Pages of list results, with the total from `X-Total-Count` and the next page from `Link`.

use reqwest::header::HeaderMap;

use crate::platform::{MaybeSend, MaybeSync};

/// One page of a list call.
///
/// `total` and `next_page` come from the `X-Total-Count` and `Link` response headers; servers
/// older than November 2025 send neither, and then both are `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Number of items in all pages together.
    pub total: Option<u64>,
    /// The number of the next page, if there is one.
    pub next_page: Option<u64>,
}

impl<T> Page<T> {
    pub(crate) fn from_reply(items: Vec<T>, headers: &HeaderMap) -> Self {
        let total = headers
            .get("x-total-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let next_page = headers
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(next_page_from_link);
        Page {
            items,
            total,
            next_page,
        }
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// The `page` query parameter of the `rel="next"` entry of an RFC 8288 `Link` header.
fn next_page_from_link(header: &str) -> Option<u64> {
    // The server joins entries with a bare `,`; URLs in `<...>` never contain `>`.
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let end = start + rest[start..].find('>')?;
        let url = &rest[start + 1..end];
        let params_end = rest[end..].find('<').map_or(rest.len(), |i| end + i);
        let params = rest[end + 1..params_end].trim().trim_end_matches(',');
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p.strip_prefix("rel=")
                .map(|v| {
                    v.trim_matches('"')
                        .split_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
                })
                .unwrap_or(false)
        });
        if is_next {
            let url = reqwest::Url::parse(url)
                .or_else(|_| reqwest::Url::parse("http://relative.invalid/")?.join(url))
                .ok()?;
            return url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .and_then(|(_, v)| v.parse().ok());
        }
        rest = &rest[params_end..];
    }
    None
}

/// Most pages one `stream()` fetches. A server that still names a next page after this many
/// is not paging through real data; the stream then ends with an error instead of looping.
pub const MAX_STREAM_PAGES: u64 = 10_000;

/// Streams every item of every page from `first` on, fetching a page only when the previous
/// one is used up. Follows `Link`'s next page; without `Link` (older servers) it goes on while
/// pages come back full. It always ends: on an empty page, on a next page number that does
/// not move forward, and after `max_pages` pages (with an error).
pub(crate) fn stream_pages<T, F>(
    first: u64,
    per_page: Option<u64>,
    max_pages: u64,
    fetch: F,
) -> crate::platform::BoxStream<T>
where
    T: MaybeSend + 'static,
    F: Fn(u64) -> crate::platform::BoxFuture<Page<T>> + MaybeSend + MaybeSync + 'static,
{
    use futures_util::{TryStreamExt, stream};
    let stream = stream::try_unfold((Some(first), 0u64), move |(page, fetched)| {
        let next = page.filter(|_| fetched < max_pages).map(&fetch);
        async move {
            let Some(page) = page else {
                return Ok(None);
            };
            let Some(next) = next else {
                return Err(crate::Error::new(
                    crate::ErrorKind::UnexpectedResponse,
                    format!(
                        "stopped after {max_pages} pages: the server still names a next page (page {page})"
                    ),
                ));
            };
            let result = next.await?;
            if result.items.is_empty() {
                return Ok(Some((result.items, (None, fetched + 1))));
            }
            let full = per_page.is_some_and(|n| result.items.len() as u64 >= n)
                && !result.items.is_empty();
            let following = match result.next_page {
                Some(n) if n > page => Some(n),
                Some(_) => None,
                None if result.total.is_none() && full => Some(page + 1),
                None => None,
            };
            Ok(Some((result.items, (following, fetched + 1))))
        }
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten();
    crate::platform::box_stream(stream)
}

/// The builder methods `page` and `per_page`, plus `send`, `stream` and `IntoFuture`, for a
/// list query that has `page`/`per_page` fields and a `fetch(&self, page)` method.
macro_rules! paged_query {
    ($query:ty, $item:ty, $what:literal) => {
        impl $query {
            /// Page to fetch, from 1 (default 1).
            pub fn page(mut self, page: u64) -> Self {
                self.page = Some(page);
                self
            }

            #[doc = concat!($what, " per page (the server's default is 20).")]
            pub fn per_page(mut self, per_page: u64) -> Self {
                self.per_page = Some(per_page);
                self
            }

            #[doc = concat!("Most pages [`stream`](Self::stream) fetches (default [`MAX_STREAM_PAGES`](crate::MAX_STREAM_PAGES)); a server that still names a next page after that many ends the stream with an error.")]
            pub fn max_pages(mut self, max_pages: u64) -> Self {
                self.max_pages = Some(max_pages.max(1));
                self
            }

            /// Fetches one page (what `.await` does).
            ///
            /// # Errors
            ///
            /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a page or page size
            /// of 0, [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) on the public
            /// API without an API key (nothing is sent in either case). Otherwise the API's error
            /// ([`ErrorKind::Api`](crate::ErrorKind::Api)), or a transport failure or timeout
            /// ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
            /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the
            /// expected one
            /// ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
            /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
            /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
            /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
            pub async fn send(self) -> Result<$crate::Page<$item>, $crate::Error> {
                let page = self.page.unwrap_or(1);
                self.fetch(page).await
            }

            /// Streams the items of this page and of all following pages, fetching each page
            /// when the previous one is used up.
            ///
            /// The stream is `Send`, except on `wasm32` (one JavaScript thread: see the
            /// [wasm guide](crate::guide::wasm)).
            pub fn stream(
                self,
            ) -> $crate::platform::BoxStream<$item> {
                let first = self.page.unwrap_or(1);
                let per_page = self.per_page;
                let max_pages = self.max_pages.unwrap_or($crate::MAX_STREAM_PAGES);
                $crate::pagination::stream_pages(first, per_page, max_pages, move |page| {
                    self.fetch(page)
                })
            }
        }

        impl std::future::IntoFuture for $query {
            type Output = Result<$crate::Page<$item>, $crate::Error>;
            type IntoFuture = $crate::platform::BoxFuture<$crate::Page<$item>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}
pub(crate) use paged_query;

/// Checks a page number or size: the API counts from 1.
pub(crate) fn positive(what: &str, n: u64) -> Result<i64, crate::Error> {
    i64::try_from(n)
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| crate::Error::invalid_input(format!("{what} must be at least 1, got {n}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_next_in_the_servers_link_header() {
        let h = "<http://h/t/credentials?page=1&per_page=10>; rel=\"first\",<http://h/t/credentials?page=10&per_page=10>; rel=\"last\",<http://h/t/credentials?page=5&per_page=10>; rel=\"next\",<http://h/t/credentials?page=3&per_page=10>; rel=\"prev\"";
        assert_eq!(next_page_from_link(h), Some(5));
    }

    #[test]
    fn no_next_on_the_last_page_or_garbage() {
        assert_eq!(
            next_page_from_link("<http://h/x?page=1>; rel=\"first\""),
            None
        );
        assert_eq!(next_page_from_link(""), None);
        assert_eq!(next_page_from_link("<<<>>>;;rel=next"), None);
        assert_eq!(next_page_from_link("<http://h/x?page=abc>; rel=next"), None);
        assert_eq!(next_page_from_link("</x?page=2>; rel=next"), Some(2));
    }

    #[test]
    fn totals_and_missing_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-total-count", "95".parse().unwrap());
        headers.insert(
            "link",
            "<http://h/x?page=2&per_page=10>; rel=\"next\""
                .parse()
                .unwrap(),
        );
        let page = Page::from_reply(vec![1], &headers);
        assert_eq!((page.total, page.next_page), (Some(95), Some(2)));
        let page = Page::from_reply(vec![1], &HeaderMap::new());
        assert_eq!((page.total, page.next_page), (None, None));
    }
}
