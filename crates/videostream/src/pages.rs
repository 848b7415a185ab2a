//! The two small HTML pages of the relay: the viewer page and the message page.
//!
//! URLs in pages are relative, so they work at the root and behind the `/videostream/` proxy.
//! The pages have no inline style or script: the relay's Content-Security-Policy allows none.

use domain::StandId;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        title = escape(title),
    )
}

/// A page with a title and one message.
pub fn message(title: &str, text: &str) -> String {
    layout(
        title,
        &format!("<h1>{}</h1>\n<p>{}</p>", escape(title), escape(text)),
    )
}

/// The page showing the live stream of `stand`; `query` (the signed link's, when the page was
/// opened with one) goes on the stream's URL.
pub fn viewer(stand: &StandId, query: Option<&str>) -> String {
    let id = escape(stand.as_str());
    let query = query.map(|q| format!("?{}", escape(q))).unwrap_or_default();
    // The page is at .../vstream/test-stand/{stand}; the stream two levels up at
    // .../vstream-direct/test-stand/{stand}.
    layout(
        &format!("Camera of {}", stand.as_str()),
        &format!(
            "<h1>Camera of stand {id}</h1>\n\
             <img id=\"stream\" src=\"../../vstream-direct/test-stand/{id}{query}\" \
             alt=\"Live camera of stand {id} (if it does not show, the camera is not available \
             right now)\">\n\
             <p><a href=\"\">Reload</a> if the picture stops.</p>"
        ),
    )
}
