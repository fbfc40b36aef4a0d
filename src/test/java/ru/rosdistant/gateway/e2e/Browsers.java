package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's headless Chromium for the browser tests: the browsers a test class opens (each with a profile of
 * its own, closed with {@link #closeAll()}), and the waits, script calls, screenshots and console checks
 * they share. No tool downloads a browser: the system's {@code chromium} and {@code chromedriver} are used.
 */
final class Browsers {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static final String FRAME_RECORDER = """
            (() => {
              const Native = window.WebSocket, log = window.__wsLog = [];
              const note = line => { log.push(new Date().toISOString().slice(11, 23) + ' ' + line); if (log.length > 200) log.shift(); };
              window.WebSocket = function (url, protocols) {
                const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
                note('open ' + url);
                const send = socket.send.bind(socket);
                socket.send = data => { note('> ' + data); return send(data); };
                socket.addEventListener('message', event => note('< ' + event.data));
                socket.addEventListener('close', event => note('closed ' + event.code));
                return socket;
              };
              window.WebSocket.prototype = Native.prototype;
              Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
            })();""";

    private final List<WebDriver> drivers = new ArrayList<>();

    private final List<Path> profiles = new ArrayList<>();

    /** Skips the class when the Debian packages are not installed (`.ci/run` installs them). */
    static void assumeInstalled() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs the Debian packages chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    }

    /** A new headless browser with an empty profile that records the page's WebSocket traffic. */
    WebDriver open() {
        Path profile;
        try {
            profile = Files.createTempDirectory("gateway-e2e-chromium-");
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        profiles.add(profile);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toString());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1280,900", "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        drivers.add(driver);
        // Records the page's WebSocket traffic, so that a failed wait can tell what the page saw.
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", FRAME_RECORDER));
        return driver;
    }

    /** Quits every browser opened and deletes its profile. */
    void closeAll() throws IOException {
        for (WebDriver driver : drivers) {
            try {
                driver.quit();
            }
            catch (RuntimeException ex) {
                // already gone
            }
        }
        for (Path profile : profiles) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** A 20-second wait whose failure message says what the page shows and what went over its sockets. */
    static WebDriverWait waitFor(WebDriver driver) {
        WebDriverWait wait = new WebDriverWait(driver, WAIT);
        wait.withMessage(() -> describe(driver));
        return wait;
    }

    static String describe(WebDriver driver) {
        try {
            return String.valueOf(js(driver, """
                    const host = document.getElementById('rosdistant-chat');
                    const status = host && host.shadowRoot.querySelector('[data-testid=status]');
                    const connection = document.getElementById('connection');
                    const notice = document.getElementById('notice');
                    return 'page ' + location.pathname
                      + (status ? '; widget status: ' + status.textContent : '')
                      + (connection ? '; console connection: ' + connection.dataset.state : '')
                      + (notice ? '; console notice: ' + notice.textContent : '')
                      + '; WebSocket traffic:\\n' + (window.__wsLog || []).join('\\n');"""));
        }
        catch (RuntimeException ex) {
            return "(the page could not be read: " + ex.getMessage() + ")";
        }
    }

    /**
     * Whether the widget's status is the idle one: «Задайте вопрос — мы ответим», or, when nobody of the line is
     * online, «Сейчас нет специалистов в сети» (said at once, docs/widget.md); English the same.
     */
    static boolean widgetIdle(String status) {
        return List.of("Задайте вопрос — мы ответим", "Сейчас нет специалистов в сети", "Ask us a question",
                "No specialist is online now").contains(status);
    }

    static Object js(WebDriver driver, String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    static ExpectedCondition<WebElement> visible(By by) {
        return driver -> {
            List<WebElement> found = driver.findElements(by);
            return !found.isEmpty() && found.get(0).isDisplayed() ? found.get(0) : null;
        };
    }

    static void screenshot(WebDriver driver, String name) throws IOException {
        Path dir = Files.createDirectories(Path.of(System.getProperty("basedir", "."), "target", "screenshots"));
        Files.write(dir.resolve(name), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    static void assertNoScriptErrors(WebDriver driver) {
        List<String> errors = driver.manage()
                .logs()
                .get(LogType.BROWSER)
                .getAll()
                .stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .filter(message -> !message.contains("Failed to load resource"))
                // a socket refused while a test has the network emulated offline
                .filter(message -> !message.contains("net::ERR_INTERNET_DISCONNECTED"))
                .toList();
        assertThat(errors).as("errors in the browser console").isEmpty();
    }
}
