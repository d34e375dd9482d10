//! Real headless Chromium driven over WebDriver (Debian's `chromedriver`), pages served by axum on
//! 127.0.0.1 with a real Datastar client, and a polling `wait_for` instead of sleeps.
//!
//! A test is `with_browser(|tab| async move { ... Ok(()) })`: the harness starts `chromedriver` on a
//! free port, opens a Chromium session with a fresh profile, runs the test body, and always closes
//! the session, even when the body fails or panics.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::header;
use axum::routing::get;
use fantoccini::{Client, ClientBuilder, Locator};
use maud::{DOCTYPE, Markup, html};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Errors of a browser test: they end the test with their message.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// The result of a browser test step.
pub type Result<T = ()> = std::result::Result<T, Error>;

/// How long a `wait_*` waits by default: generous, CI machines are slow; a pass takes milliseconds.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The page path every test page loads its Datastar client from.
pub const CLIENT_PATH: &str = "/datastar.js";

/// A real Datastar client, fetched by `scripts/test` into `target/datastar-clients/`.
#[derive(Clone, Copy, Debug)]
pub enum Datastar {
    /// The official `@starfederation/datastar@1.0.0-beta.11` (npm), bundled into one ES module.
    Beta11,
    /// Datastar 1.0.1 as shipped in the `starhtml==0.7.0` wheel (PyPI).
    V101,
    /// `@sudodevnull/datastar@0.19.9` (npm), the Seed dialect's client: its
    /// `dist/datastar.iife.js`, a classic script (see [`seed_page`]).
    Seed0199,
}

impl Datastar {
    fn file_name(self) -> &'static str {
        match self {
            Self::Beta11 => "datastar-1.0.0-beta.11.js",
            Self::V101 => "datastar-1.0.1.js",
            Self::Seed0199 => "datastar-0.19.9.iife.js",
        }
    }

    /// The client's file: in `$DATASTAR_CLIENTS`, else `target/datastar-clients/` of the workspace.
    pub fn path(self) -> PathBuf {
        let dir = std::env::var_os("DATASTAR_CLIENTS").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/datastar-clients"),
            PathBuf::from,
        );
        dir.join(self.file_name())
    }

    /// The client's source; panics with what to do when `scripts/test` has not fetched it.
    pub fn source(self) -> Vec<u8> {
        let path = self.path();
        std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "the Datastar client {} is missing ({e}): run `scripts/test`, which fetches it \
                 into target/datastar-clients/, or point DATASTAR_CLIENTS at a folder holding it",
                path.display()
            )
        })
    }
}

/// A full HTML page that loads the Datastar client as an ES module.
pub fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html {
            head {
                meta charset="utf-8";
                title { (title) }
                script type="module" src=(CLIENT_PATH) {}
            }
            body { (body) }
        }
    }
}

/// A full HTML page for Datastar 0.19.9, which is a classic script, not a module: `defer`
/// runs it once the body is parsed. `store` is the page's initial `data-store`.
pub fn seed_page(title: &str, store: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html {
            head {
                meta charset="utf-8";
                title { (title) }
                script defer src=(CLIENT_PATH) {}
            }
            body data-store=(store) { (body) }
        }
    }
}

/// Serves `app` plus the Datastar client at [`CLIENT_PATH`] on 127.0.0.1; returns the base URL.
pub async fn serve(app: Router, client: Datastar) -> String {
    let js = client.source();
    let app = app.route(
        CLIENT_PATH,
        get(move || async move { ([(header::CONTENT_TYPE, "text/javascript")], js) }),
    );
    serve_app(app).await
}

/// Serves `app` as it is on 127.0.0.1 and a free port; returns the base URL.
pub async fn serve_app(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { datastar_runtime::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Runs `test` against one fresh Chromium; the session is closed whatever happens.
pub async fn with_browser<F, Fut>(test: F)
where
    F: FnOnce(Tab) -> Fut,
    Fut: Future<Output = Result> + Send + 'static,
{
    with_browsers(1, |mut tabs| test(tabs.remove(0))).await;
}

/// Runs `test` against `n` independent Chromium instances (separate users, separate profiles).
pub async fn with_browsers<F, Fut>(n: usize, test: F)
where
    F: FnOnce(Vec<Tab>) -> Fut,
    Fut: Future<Output = Result> + Send + 'static,
{
    let mut browsers = Vec::with_capacity(n);
    for _ in 0..n {
        browsers.push(Browser::launch_retrying().await);
    }
    let tabs = browsers.iter().map(|b| Tab(b.client.clone())).collect();
    let outcome = tokio::spawn(test(tabs)).await;
    for browser in browsers {
        browser.close().await;
    }
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{e}"),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// One Chromium session and the chromedriver that runs it.
struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starting chromedriver and Chromium is set-up, not the thing under test: on a loaded
    /// machine it can fail once (a process limit, a slow start), so it gets three tries, and
    /// every failure is reported if all three fail.
    async fn launch_retrying() -> Self {
        let mut failures = Vec::new();
        for _ in 0..3 {
            match Self::launch().await {
                Ok(browser) => return browser,
                Err(e) => failures.push(e.to_string()),
            }
        }
        panic!(
            "could not start headless Chromium in three tries: {}",
            failures.join("; ")
        )
    }

    async fn launch() -> Result<Self> {
        let chromium = find_on_path("chromium")
            .ok_or("`chromium` is not on PATH: install it (`apt-get install chromium`), or run scripts/test")?;
        let (driver, port) = start_chromedriver().await?;
        let profile = tempfile::Builder::new()
            .prefix("datastar-chromium-")
            .tempdir()?;
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
            // Keeps what the page writes to its console (errors, failed loads) for `console_log`.
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await?;
        Ok(Self {
            client,
            driver,
            _profile: profile,
        })
    }

    async fn close(mut self) {
        // Closing the session makes chromedriver quit Chromium; then chromedriver itself goes.
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.close()).await;
        let _ = self.driver.kill().await;
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// Starts `chromedriver --port=0` and reads the port it chose from its first lines of output.
async fn start_chromedriver() -> Result<(Child, u16)> {
    let mut driver = Command::new("chromedriver")
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            format!("cannot run `chromedriver` ({e}): install chromium-driver, or run scripts/test")
        })?;
    let mut lines = BufReader::new(driver.stdout.take().unwrap()).lines();
    let mut errors = BufReader::new(driver.stderr.take().unwrap()).lines();
    let marker = "started successfully on port ";
    let port = tokio::time::timeout(Duration::from_secs(20), async {
        let mut said = Vec::new();
        while let Some(line) = lines.next_line().await? {
            if let Some(rest) = line.split(marker).nth(1) {
                return Ok(rest.trim_end_matches('.').parse::<u16>()?);
            }
            said.push(line);
        }
        // It is gone: what it wrote on its way out says why.
        while let Ok(Some(line)) = errors.next_line().await {
            said.push(line);
        }
        let status = driver.wait().await?;
        Err::<u16, Error>(
            format!(
                "chromedriver exited ({status}) before it said which port it listens on: {}",
                said.join(" | ")
            )
            .into(),
        )
    })
    .await
    .map_err(|_| "chromedriver did not start within 20 s")??;
    tokio::spawn(async move { while let Ok(Some(_)) = errors.next_line().await {} });
    // Keep draining its output so that chromedriver never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((driver, port))
}

/// One browser window, driven like a user would (click, type), inspected through the DOM.
#[derive(Clone)]
pub struct Tab(pub Client);

impl Tab {
    /// Navigates to `url` and waits until the page has loaded.
    pub async fn goto(&self, url: &str) -> Result {
        Ok(self.0.goto(url).await?)
    }

    /// The value of a JavaScript expression in the page.
    pub async fn eval(&self, expression: &str) -> Result<Value> {
        let script = format!("return ({expression});");
        self.0
            .execute(&script, vec![])
            .await
            .map_err(|e| format!("evaluating `{expression}`: {e}").into())
    }

    /// Polls the JavaScript expression `probe` until `accept` takes its value or `timeout` passes.
    /// The timeout error says what was awaited and what was last seen.
    pub async fn wait_for(
        &self,
        probe: &str,
        accept: impl Fn(&Value) -> bool,
        timeout: Duration,
        what: &str,
    ) -> Result<Value> {
        let start = Instant::now();
        loop {
            let seen = self.eval(probe).await?;
            if accept(&seen) {
                return Ok(seen);
            }
            if start.elapsed() > timeout {
                return Err(format!(
                    "timed out after {timeout:?} waiting for {what}\n  probe: {probe}\n  last seen: {seen}"
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the JavaScript expression `probe` evaluates to `expected`.
    pub async fn wait_eq(&self, probe: &str, expected: impl Into<Value>, what: &str) -> Result {
        let expected = expected.into();
        let what = format!("{what} (expected {expected})");
        self.wait_for(probe, |v| *v == expected, TIMEOUT, &what)
            .await?;
        Ok(())
    }

    /// Waits until the element matching `selector` has exactly the text `expected`.
    pub async fn wait_text(&self, selector: &str, expected: &str) -> Result {
        let probe = format!(
            "document.querySelector({})?.textContent ?? null",
            js_str(selector)
        );
        self.wait_eq(&probe, expected, &format!("the text of `{selector}`"))
            .await
    }

    /// Waits until `selector` matches exactly `n` elements.
    pub async fn wait_count(&self, selector: &str, n: usize) -> Result {
        let probe = format!("document.querySelectorAll({}).length", js_str(selector));
        self.wait_eq(&probe, n, &format!("the number of `{selector}` elements"))
            .await
    }

    /// Clicks the element matching `selector` (waiting until it exists).
    pub async fn click(&self, selector: &str) -> Result {
        self.element(selector).await?.click().await?;
        Ok(())
    }

    /// Types `text` into the element matching `selector`, key by key, as a user would.
    pub async fn type_into(&self, selector: &str, text: &str) -> Result {
        self.element(selector).await?.send_keys(text).await?;
        Ok(())
    }

    /// Replaces the text of the input matching `selector`: select all, then type `text`.
    pub async fn replace_text(&self, selector: &str, text: &str) -> Result {
        let input = self.element(selector).await?;
        input.click().await?;
        // Control+A selects everything; the null key releases Control before typing.
        input.send_keys(&format!("{CONTROL}a{NULL}{text}")).await?;
        Ok(())
    }

    /// Double-clicks the element matching `selector` with a real mouse.
    pub async fn double_click(&self, selector: &str) -> Result {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
        let element = self.element(selector).await?;
        let (down, up) = (
            PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            },
            PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            },
        );
        let mouse = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement {
                element,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(down.clone())
            .then(up.clone())
            .then(down)
            .then(up);
        self.0.perform_actions(mouse).await?;
        Ok(())
    }

    /// The element matching `selector`, once it exists.
    pub async fn element(&self, selector: &str) -> Result<fantoccini::elements::Element> {
        let probe = format!("document.querySelector({}) !== null", js_str(selector));
        self.wait_eq(&probe, true, &format!("an element matching `{selector}`"))
            .await?;
        Ok(self.0.find(Locator::Css(selector)).await?)
    }

    /// What the browser wrote to its console since the last call (each entry has `level` and
    /// `message`): script errors, failed loads, `console.*` calls.
    pub async fn console_log(&self) -> Result<Vec<Value>> {
        let log = self.0.issue_cmd(BrowserLog).await?;
        Ok(log.as_array().cloned().unwrap_or_default())
    }

    /// Resizes the window so that the page is `width` CSS pixels wide.
    pub async fn set_width(&self, width: u32, height: u32) -> Result {
        self.0.set_window_size(width, height).await?;
        let inner = self.eval("window.innerWidth").await?;
        // The window's frame, if any, is taken from the viewport: make up for it.
        let frame = u32::try_from(i64::from(width) - inner.as_i64().unwrap_or(i64::from(width)))
            .unwrap_or(0);
        if frame > 0 {
            self.0.set_window_size(width + frame, height).await?;
        }
        Ok(())
    }

    /// Saves a PNG screenshot of the window under `target/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.0.screenshot().await?)?;
        Ok(path)
    }
}

/// chromedriver's `GET`-like log endpoint (`POST /session/{id}/se/log`, type `browser`).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> std::result::Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

/// The WebDriver key codes of Enter, Backspace, Control and "release all keys".
pub const ENTER: char = '\u{E007}';
pub const BACKSPACE: char = '\u{E003}';
const CONTROL: char = '\u{E009}';
const NULL: char = '\u{E000}';

/// `s` as a JavaScript string literal.
pub fn js_str(s: &str) -> String {
    Value::from(s).to_string()
}
