package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.js;
import static ru.rosdistant.gateway.e2e.Browsers.waitFor;

/**
 * The visitor widget and the agent console in a real browser (the system's headless Chromium) against
 * the running gateway. The demo page {@code /demo/applicant.html} embeds the widget for the site
 * {@code applicant}, whose line {@code applicant-recruitment} no other test class uses.
 */
class WidgetAndConsoleBrowserTests extends BrowserTest {

    private static final String LINE = "applicant-recruitment";

    @Autowired
    AgentDirectory agents;

    @Test
    void visitorAndAgentTalkAndVisitorTextIsShownAsText() throws IOException {
        Agent agent = Staff.agent(agents, LINE, 5);
        String sentence = "Здравствуйте! Как подать документы на магистратуру? " + UUID.randomUUID();
        String markup = "<b>bold</b><script>window.pwned=1</script>";
        String reply = "Добрый день! Заявление подаётся в личном кабинете. " + UUID.randomUUID();

        // The agent logs in through the console form and goes online.
        WebDriver console = browsers.open();
        WebDriverWait consoleWait = waitFor(console);
        logIn(console, consoleWait, agent.login());
        assertThat(console.findElement(By.id("agent-name")).getText()).isEqualTo(agent.displayName());
        new Select(console.findElement(By.id("presence"))).selectByValue("ONLINE");

        // The visitor opens the widget and writes, markup included.
        WebDriver page = browsers.open();
        WebDriverWait pageWait = waitFor(page);
        page.get(base() + "/demo/applicant.html");
        SearchContext widget = widget(page, pageWait);
        // The dialog's id, as the widget's host-page API reports it.
        js(page, "window.__dialogId = null; window.RosdistantChat.on('state', s => { if (s.dialogId) window.__dialogId = s.dialogId; });");
        pageWait.until(driver -> Browsers.widgetIdle(statusOf(widget)));
        widget.findElement(By.cssSelector("[data-testid=launcher]")).click();
        WebElement input = pageWait.until(driver -> {
            WebElement field = widget.findElement(By.cssSelector("[data-testid=input]"));
            return field.isDisplayed() ? field : null;
        });
        input.sendKeys(markup + " " + sentence);
        widget.findElement(By.cssSelector("[data-testid=send]")).click();
        WebElement own = pageWait.until(driver -> widget.findElements(
                        By.cssSelector(".msg[data-from=visitor][data-state=sent]"))
                .stream()
                .filter(message -> message.getText().contains(sentence))
                .findFirst()
                .orElse(null));
        assertThat(own.findElement(By.cssSelector(".text")).getText()).isEqualTo(markup + " " + sentence);
        String dialogId = pageWait.until(driver -> (String) js(driver, "return window.__dialogId;"));

        // The agent sees the dialog, opens it and sees the visitor's text as text.
        By item = By.cssSelector("#dialogs li[data-dialog-id='" + dialogId + "'] .dialog-open");
        consoleWait.until(driver -> {
            List<WebElement> found = driver.findElements(item);
            return !found.isEmpty() && found.get(0).isDisplayed();
        });
        console.findElement(item).click();
        WebElement visitorText = consoleWait.until(driver -> driver.findElements(
                        By.cssSelector("#messages .msg[data-from=visitor] .text"))
                .stream()
                .filter(text -> text.getText().contains(sentence))
                .findFirst()
                .orElse(null));
        assertThat(visitorText.getText()).contains("<b>bold</b>").contains("<script>window.pwned=1</script>");
        assertThat(console.findElements(By.cssSelector("#messages b, #messages script"))).isEmpty();
        assertThat(js(console, "return typeof window.pwned;")).isEqualTo("undefined");
        assertThat(own.findElements(By.cssSelector("b, script"))).isEmpty();
        assertThat(js(page, "return typeof window.pwned;")).isEqualTo("undefined");
        assertThat(console.findElement(By.id("conv-title")).getText()).contains("ЛК абитуриента");

        // The agent replies; the visitor sees the reply on screen.
        WebElement replyBox = console.findElement(By.id("reply"));
        consoleWait.until(driver -> replyBox.isEnabled());
        replyBox.sendKeys(reply);
        console.findElement(By.id("send")).click();
        consoleWait.until(driver -> driver.findElements(By.cssSelector("#messages .msg[data-from=agent][data-state=sent]"))
                .stream()
                .anyMatch(message -> message.getText().contains(reply)));
        WebElement answer = pageWait.until(driver -> widget.findElements(By.cssSelector(".msg[data-from=agent]"))
                .stream()
                .filter(message -> message.getText().contains(reply) && message.isDisplayed())
                .findFirst()
                .orElse(null));
        assertThat(answer.findElement(By.cssSelector(".name")).getText()).isEqualTo(agent.displayName());
        assertThat(widget.findElement(By.cssSelector("[data-testid=status]")).getText())
                .isEqualTo("Вам отвечает " + agent.displayName());

        Path screenshots = Files.createDirectories(Path.of(System.getProperty("basedir", "."), "target", "screenshots"));
        Files.write(screenshots.resolve("widget.png"), ((TakesScreenshot) page).getScreenshotAs(OutputType.BYTES));
        Files.write(screenshots.resolve("console.png"), ((TakesScreenshot) console).getScreenshotAs(OutputType.BYTES));

        assertNoScriptErrors(console);
        assertNoScriptErrors(page);
    }

    @Test
    void visitorWritesWithTheKeyboardOnly() {
        String text = "Вопрос с клавиатуры " + UUID.randomUUID();
        WebDriver page = browsers.open();
        WebDriverWait wait = waitFor(page);
        page.get(base() + "/demo/applicant.html");
        SearchContext widget = widget(page, wait);
        wait.until(driver -> Browsers.widgetIdle(statusOf(widget)));

        // Tab through the page until the launcher has the focus.
        for (int i = 0; i < 20 && !"launcher".equals(focusedInWidget(page)); i++) {
            new Actions(page).sendKeys(Keys.TAB).perform();
        }
        assertThat(focusedInWidget(page)).isEqualTo("launcher");

        new Actions(page).sendKeys(Keys.ENTER).perform();
        wait.until(driver -> widget.findElement(By.cssSelector("[data-testid=panel]")).isDisplayed());
        wait.until(driver -> "input".equals(focusedInWidget(driver)));
        assertThat(widget.findElement(By.cssSelector("[data-testid=launcher]")).getDomAttribute("aria-expanded"))
                .isEqualTo("true");

        new Actions(page).sendKeys(text).sendKeys(Keys.ENTER).perform();
        WebElement sent = wait.until(driver -> widget.findElements(
                        By.cssSelector(".msg[data-from=visitor][data-state=sent]"))
                .stream()
                .filter(message -> message.getText().contains(text))
                .findFirst()
                .orElse(null));
        assertThat(sent.getDomAttribute("data-seq")).isNotBlank();
        assertThat(widget.findElement(By.cssSelector("[data-testid=input]")).getDomProperty("value")).isEmpty();

        // Escape folds the panel and gives the focus back to the launcher.
        new Actions(page).sendKeys(Keys.ESCAPE).perform();
        wait.until(driver -> !widget.findElement(By.cssSelector("[data-testid=panel]")).isDisplayed());
        assertThat(focusedInWidget(page)).isEqualTo("launcher");

        // Leave nothing waiting on the line: the visitor ends the dialog.
        js(page, "window.RosdistantChat.open();");
        WebElement end = wait.until(driver -> {
            WebElement button = widget.findElement(By.cssSelector("[data-testid=close-dialog]"));
            return button.isDisplayed() && button.isEnabled() ? button : null;
        });
        end.click();
        wait.until(driver -> !widget.findElement(By.cssSelector("[data-testid=close-dialog]")).isEnabled());
        assertNoScriptErrors(page);
    }

    /** The widget's shadow root, once the widget script has run. */
    private static SearchContext widget(WebDriver page, WebDriverWait wait) {
        WebElement host = wait.until(driver -> {
            List<WebElement> found = driver.findElements(By.id("rosdistant-chat"));
            return found.isEmpty() ? null : found.get(0);
        });
        return host.getShadowRoot();
    }

    /** The data-testid of the element focused inside the widget, or null when the focus is elsewhere. */
    /** The widget's status line (inside the panel, so read even while the panel is folded). */
    private static String statusOf(SearchContext widget) {
        return widget.findElement(By.cssSelector("[data-testid=status]")).getDomProperty("textContent");
    }

    private static String focusedInWidget(WebDriver page) {
        return (String) js(page, """
                const active = document.activeElement;
                if (!active || active.id !== 'rosdistant-chat') return null;
                const inner = active.shadowRoot.activeElement;
                return inner ? inner.getAttribute('data-testid') : null;""");
    }

    private static ExpectedCondition<Boolean> attributeIs(By by, String attribute, String value) {
        return driver -> value.equals(driver.findElement(by).getDomAttribute(attribute));
    }
}
