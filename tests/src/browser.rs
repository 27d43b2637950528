//! The verification page in Debian's headless Chromium, driven through chromedriver by the
//! `fantoccini` WebDriver client: open a page, click, read text, take a screenshot.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub struct Browser {
    driver: Child,
    client: Client,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium whose camera plays `fake_video` (a .y4m file).
    pub async fn start(fake_video: &Path, profile_dir: &Path) -> Self {
        Self::start_with(fake_video, profile_dir, &[]).await
    }

    /// [`Browser::start`] with more Chromium switches.
    pub async fn start_with(fake_video: &Path, profile_dir: &Path, more_args: &[String]) -> Self {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (scripts/ensure-chromium.sh installs it)");
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--window-size=800,1000".to_owned(),
            "--use-fake-device-for-media-stream".to_owned(),
            "--use-fake-ui-for-media-stream".to_owned(),
            format!("--use-file-for-fake-video-capture={}", fake_video.display()),
            format!("--user-data-dir={}", profile_dir.display()),
        ];
        args.extend_from_slice(more_args);
        let mut capabilities = fantoccini::wd::Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({"binary": "/usr/bin/chromium", "args": args}),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        // chromedriver takes a moment to listen
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Self { driver, client },
                Err(error) => last_error = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no WebDriver session: {last_error:?}");
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("the page opens");
    }

    /// The element's text; empty when there is no such element.
    pub async fn text(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Runs a script in the page and returns its value.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .expect("the script runs")
    }

    /// Waits, bounded, until `script` returns true.
    pub async fn wait_until(&self, script: &str, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if self.eval(script).await == Value::Bool(true) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    }

    pub async fn click(&self, css: &str) {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("no element {css}"));
        element.click().await.expect("the element takes the click");
    }

    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("a PNG screenshot");
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("artifacts folder");
        std::fs::write(path, png).expect("screenshot written");
    }

    pub async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("address")
        .port()
}

/// A Y4M video (what Chromium's fake camera plays) of `frames` copies of a picture, letterboxed
/// into 640x480, BT.601 4:2:0.
pub fn y4m_from_picture(picture: &[u8], frames: usize) -> Vec<u8> {
    let (width, height) = (640u32, 480u32);
    let source = image::load_from_memory(picture)
        .expect("a picture")
        .to_rgb8();
    let scale = f64::min(
        f64::from(width) / f64::from(source.width()),
        f64::from(height) / f64::from(source.height()),
    );
    let (w, h) = (
        (f64::from(source.width()) * scale) as u32,
        (f64::from(source.height()) * scale) as u32,
    );
    let resized = image::imageops::resize(&source, w, h, image::imageops::FilterType::Triangle);
    let mut canvas = image::RgbImage::from_pixel(width, height, image::Rgb([40, 40, 40]));
    image::imageops::overlay(
        &mut canvas,
        &resized,
        i64::from((width - w) / 2),
        i64::from((height - h) / 2),
    );
    let (mut y, mut u, mut v) = (Vec::new(), Vec::new(), Vec::new());
    for row in 0..height {
        for col in 0..width {
            let [r, g, b] = canvas.get_pixel(col, row).0.map(f64::from);
            y.push(
                (0.299 * r + 0.587 * g + 0.114 * b)
                    .round()
                    .clamp(0.0, 255.0) as u8,
            );
        }
    }
    for row in (0..height).step_by(2) {
        for col in (0..width).step_by(2) {
            let [r, g, b] = canvas.get_pixel(col, row).0.map(f64::from);
            u.push(
                (128.0 - 0.168736 * r - 0.331264 * g + 0.5 * b)
                    .round()
                    .clamp(0.0, 255.0) as u8,
            );
            v.push(
                (128.0 + 0.5 * r - 0.418688 * g - 0.081312 * b)
                    .round()
                    .clamp(0.0, 255.0) as u8,
            );
        }
    }
    let mut video = format!("YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..frames {
        video.extend_from_slice(b"FRAME\n");
        video.extend_from_slice(&y);
        video.extend_from_slice(&u);
        video.extend_from_slice(&v);
    }
    video
}
