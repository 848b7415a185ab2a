//! The pages in a real headless Chromium (Debian's `chromium` and `chromium-driver`), one module
//! a feature: log in, watch the dashboard and the stand page update from live events alone,
//! the lists announce new rows (`dashboard`); a result with a 1,000,000-point series opens,
//! is plotted and zoomed, and plotted against another series (`plots`); tests started,
//! completed by the simulator, cancelled, from templates, with verdicts (`runs`); every page
//! under the strict content security policy (`csp`). The browser and the steps a person takes
//! (log in, fill, click, wait for a text) are in `steps`. Screenshots go to
//! `target/screenshots/` for a person to look at.

#[path = "../common/mod.rs"]
mod common;

mod csp;
mod danish;
mod dashboard;
mod plots;
mod runs;
mod steps;
