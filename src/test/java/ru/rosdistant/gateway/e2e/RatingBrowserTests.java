package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The widget's stars after a closed dialog, used with the keyboard, and the rating in the console's card panel,
 * in the system's headless Chromium. Site and line lab48 (application-test.yml).
 */
@GatewayTest
class RatingBrowserTests {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    private final List<WebDriver> drivers = new ArrayList<>();

    private final List<Path> profiles = new ArrayList<>();

    @BeforeAll
    static void systemBrowser() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs the Debian packages chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    }

    @AfterEach
    void closeBrowsers() throws IOException {
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

    @Test
    void theVisitorRatesTheClosedDialogWithTheKeyboardAndTheAgentSeesItOnTheCard() throws IOException {
        Agent agent = Staff.agent(agents, "lab48", 5);
        WebDriver console = browser();
        WebDriverWait consoleWait = waitFor(console);
        console.get(base() + "/console");
        consoleWait.until(visible(By.id("login-username"))).sendKeys(agent.login());
        console.findElement(By.id("login-password")).sendKeys(Staff.PASSWORD);
        console.findElement(By.id("login-submit")).click();
        consoleWait.until(driver -> "online".equals(driver.findElement(By.id("connection")).getDomAttribute("data-state")));
        new Select(console.findElement(By.id("presence"))).selectByValue("ONLINE");

        WebDriver page = browser();
        WebDriverWait pageWait = waitFor(page);
        page.get(base() + "/demo/e2e-site.html?site=lab48");
        SearchContext widget = pageWait.until(driver -> {
            List<WebElement> found = driver.findElements(By.id("rosdistant-chat"));
            return found.isEmpty() ? null : found.get(0);
        }).getShadowRoot();
        js(page, "window.__dialogId = null; window.RosdistantChat.on('state', s => { if (s.dialogId) window.__dialogId = s.dialogId; });");
        pageWait.until(driver -> "Задайте вопрос — мы ответим".equals(status(widget)));
        widget.findElement(By.cssSelector("[data-testid=launcher]")).click();
        WebElement input = pageWait.until(driver -> {
            WebElement box = widget.findElement(By.cssSelector("[data-testid=input]"));
            return box.isDisplayed() ? box : null;
        });
        assertThat(widget.findElement(By.cssSelector("[data-testid=rating]")).isDisplayed()).isFalse();
        String marker = UUID.randomUUID().toString().substring(0, 8);
        input.sendKeys("Когда начнётся приём документов? " + marker);
        widget.findElement(By.cssSelector("[data-testid=send]")).click();
        String dialogId = pageWait.until(driver -> (String) js(driver, "return window.__dialogId;"));

        // The agent closes the dialog as a consultation.
        consoleWait.until(visible(By.cssSelector("#dialogs li[data-dialog-id='" + dialogId + "'] .dialog-open"))).click();
        consoleWait.until(driver -> driver.findElement(By.id("close-dialog")).isEnabled());
        console.findElement(By.id("close-dialog")).click();
        consoleWait.until(visible(By.id("close-modal")));
        new Select(console.findElement(By.id("appeal-type"))).selectByValue("CONSULTATION");
        console.findElement(By.id("close-submit")).click();
        consoleWait.until(driver -> !driver.findElement(By.id("close-modal")).isDisplayed());

        // The widget asks for a rating: five radio buttons named for screen readers.
        WebElement box = pageWait.until(driver -> {
            WebElement rating = widget.findElement(By.cssSelector("[data-testid=rating]"));
            return rating.isDisplayed() ? rating : null;
        });
        assertThat(box.getText()).contains("Оцените, как вам помогли");
        List<WebElement> stars = widget.findElements(By.cssSelector("[data-testid=rt-form] input[type=radio]"));
        assertThat(stars).extracting(star -> star.getDomAttribute("aria-label"))
                .containsExactly("1 из 5", "2 из 5", "3 из 5", "4 из 5", "5 из 5");

        // Sending without a choice is refused in the widget and puts the focus on the first star.
        widget.findElement(By.cssSelector("[data-testid=rt-send]")).click();
        pageWait.until(driver -> "Выберите оценку от 1 до 5."
                .equals(widget.findElement(By.cssSelector("[data-testid=rt-error]")).getText()));
        assertThat(js(page, "return document.getElementById('rosdistant-chat').shadowRoot.activeElement.dataset.testid"))
                .isEqualTo("star-1");
        // Keyboard only: Space picks the first star, the arrow keys move to the fourth.
        new Actions(page).sendKeys(Keys.SPACE).sendKeys(Keys.ARROW_RIGHT).sendKeys(Keys.ARROW_RIGHT)
                .sendKeys(Keys.ARROW_RIGHT).perform();
        pageWait.until(driver -> "true".equals(stars.get(3).getDomProperty("checked")));
        assertThat(widget.findElements(By.cssSelector(".stars label[data-on]"))).hasSize(4);
        String comment = "Ответили быстро " + marker;
        widget.findElement(By.cssSelector("[data-testid=rt-comment]")).sendKeys(comment);
        screenshot(page, "widget-rating.png");
        widget.findElement(By.cssSelector("[data-testid=rt-send]")).click();
        pageWait.until(driver -> widget.findElement(By.cssSelector("[data-testid=rt-done]")).isDisplayed());
        assertThat(widget.findElement(By.cssSelector("[data-testid=rt-done]")).getText()).isEqualTo("Спасибо за оценку!");
        assertThat(widget.findElement(By.cssSelector("[data-testid=rt-form]")).isDisplayed()).isFalse();
        assertThat(Checks.text(db, "SELECT rating || '|' || rating_comment AS v FROM dialog WHERE id = '" + dialogId + "'"))
                .isEqualTo("4|" + comment);

        // The visitor comes back: the agent's card panel shows the earlier dialog with its rating.
        js(page, "window.__dialogId = null;");
        input.sendKeys("Ещё вопрос " + marker);
        widget.findElement(By.cssSelector("[data-testid=send]")).click();
        String second = pageWait.until(driver -> {
            String id = (String) js(driver, "return window.__dialogId;");
            return id != null && !id.equals(dialogId) ? id : null;
        });
        pageWait.until(driver -> !widget.findElement(By.cssSelector("[data-testid=rating]")).isDisplayed());
        consoleWait.until(visible(By.cssSelector("#dialogs li[data-dialog-id='" + second + "'] .dialog-open"))).click();
        WebElement earlier = consoleWait.until(visible(By.cssSelector("#card-history li[data-dialog-id='" + dialogId
                + "'] .rating")));
        assertThat(earlier.getText()).isEqualTo("Оценка: ★★★★☆ 4 из 5 — «" + comment + "»");
        screenshot(console, "console-card-rating.png");
        // the visitor ends the second dialog, so that it does not go back to lab48's waiting line
        widget.findElement(By.cssSelector("[data-testid=close-dialog]")).click();
        pageWait.until(driver -> "Диалог завершён. Напишите, чтобы начать новый".equals(status(widget)));
        assertNoScriptErrors(console);
        assertNoScriptErrors(page);
    }

    private String base() {
        return "http://localhost:" + port;
    }

    private static String status(SearchContext widget) {
        return widget.findElement(By.cssSelector("[data-testid=status]")).getDomProperty("textContent");
    }

    private WebDriver browser() {
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
        return driver;
    }

    private static WebDriverWait waitFor(WebDriver driver) {
        return new WebDriverWait(driver, Duration.ofSeconds(20));
    }

    private static Object js(WebDriver driver, String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private static ExpectedCondition<WebElement> visible(By by) {
        return driver -> {
            List<WebElement> found = driver.findElements(by);
            return !found.isEmpty() && found.get(0).isDisplayed() ? found.get(0) : null;
        };
    }

    private static void screenshot(WebDriver driver, String name) throws IOException {
        Path dir = Files.createDirectories(Path.of(System.getProperty("basedir", "."), "target", "screenshots"));
        Files.write(dir.resolve(name), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    private static void assertNoScriptErrors(WebDriver driver) {
        List<String> errors = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .filter(message -> !message.contains("Failed to load resource"))
                .toList();
        assertThat(errors).as("errors in the browser console").isEmpty();
    }
}
