package ru.rosdistant.gateway.e2e;

import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.e2e.Browsers.visible;

/**
 * A supervisor keeps a canned answer in the console's panel and inserts it in a reply with its shortcut, in the
 * system's headless Chromium. Line and site lab47 (application-test.yml).
 */
class CannedAnswerBrowserTests extends BrowserTest {

    @Autowired
    AgentDirectory agents;

    @Test
    void aSupervisorSavesAnAnswerAndInsertsItWithItsShortcut() {
        Agent supervisor = Staff.agent(agents, "lab47", 5, Role.SUPERVISOR);
        WebDriver console = browsers.open();
        WebDriverWait wait = new WebDriverWait(console, Duration.ofSeconds(25));
        logIn(console, wait, supervisor.login());

        // The management panel: a new answer, first without its text (refused in the form), then complete.
        String shortcut = "/hello" + System.nanoTime() % 100_000;
        String text = "Здравствуйте! Меня зовут Анна, я помогу вам с поступлением.";
        wait.until(visible(By.id("canned-panel")));
        console.findElement(By.id("canned-new")).click();
        wait.until(visible(By.id("canned-form")));
        wait.until(driver -> driver.findElements(By.cssSelector("#canned-line option[value=lab47]")).size() == 1);
        new Select(console.findElement(By.id("canned-line"))).selectByValue("lab47");
        console.findElement(By.id("canned-shortcut")).sendKeys(shortcut);
        console.findElement(By.id("canned-name")).sendKeys("Приветствие");
        console.findElement(By.id("canned-save")).click();
        wait.until(driver -> driver.findElement(By.id("canned-form-error")).getText().equals("Заполните все поля."));
        assertThat(console.findElement(By.id("canned-text")).getDomAttribute("aria-invalid")).isEqualTo("true");
        console.findElement(By.id("canned-text")).sendKeys(text);
        console.findElement(By.id("canned-save")).click();
        WebElement saved = wait.until(visible(By.xpath("//ul[@id='canned-list']/li[.//div[@class='title' and text()='"
                + shortcut + " · Приветствие']]")));
        assertThat(saved.getText()).contains("линия lab47");
        assertThat(console.findElement(By.id("canned-form")).isDisplayed()).isFalse();

        // A visitor writes; the supervisor (who serves lab47) gets the dialog.
        new Select(console.findElement(By.id("presence"))).selectByValue("ONLINE");
        try (WsClient visitor = WsClient.visitor(port, "lab47", "https://lab47.test")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            wait.until(visible(By.cssSelector("#dialogs li[data-dialog-id='" + dialogId + "'] .dialog-open"))).click();
            WebElement reply = wait.until(driver -> {
                WebElement box = driver.findElement(By.id("reply"));
                return box.isEnabled() ? box : null;
            });

            // Typing the shortcut's start lists it; Tab inserts its text in place of what was typed.
            reply.sendKeys("Добрый день. " + shortcut.substring(0, 4));
            wait.until(visible(By.cssSelector("#canned-suggestions li[data-shortcut='" + shortcut + "']")));
            reply.sendKeys(shortcut.substring(4));
            wait.until(driver -> driver.findElements(By.cssSelector("#canned-suggestions li[role=option]")).size() == 1);
            assertThat(console.findElement(By.cssSelector("#canned-suggestions li[role=option]"))
                    .getDomAttribute("aria-selected")).isEqualTo("true");
            reply.sendKeys(Keys.TAB);
            wait.until(driver -> !driver.findElement(By.id("canned-suggestions")).isDisplayed());
            assertThat(reply.getDomProperty("value")).isEqualTo("Добрый день. " + text);
            assertThat(((JavascriptExecutor) console).executeScript("return document.activeElement.id"))
                    .isEqualTo("reply");

            // The picker button lists the line's answers too; Escape closes it without inserting anything.
            console.findElement(By.id("canned-button")).click();
            wait.until(visible(By.cssSelector("#canned-suggestions li[data-shortcut='" + shortcut + "']")));
            assertThat(console.findElement(By.id("canned-button")).getDomAttribute("aria-expanded")).isEqualTo("true");
            reply.sendKeys(Keys.ESCAPE);
            wait.until(driver -> !driver.findElement(By.id("canned-suggestions")).isDisplayed());

            // The supervisor's live view in the middle pane (re-drawn every 10 s) shows the line with its agent and
            // load; the dialog tab brings the reply back.
            console.findElement(By.id("tab-live")).click();
            String agentLoad = supervisor.displayName() + " 1/5";
            new WebDriverWait(console, Duration.ofSeconds(25)).ignoring(StaleElementReferenceException.class)
                    .until(driver -> {
                        List<WebElement> line = driver.findElements(By.cssSelector("#overview li[data-line=lab47]"));
                        return !line.isEmpty()
                                && line.get(0).findElement(By.cssSelector(".agents")).getText().equals("в сети: 1")
                                && line.get(0).findElements(By.cssSelector(".live-agent .who")).stream()
                                        .anyMatch(who -> who.getText().equals(agentLoad))
                                && line.get(0).findElement(By.cssSelector(".queue")).getText().equals("никто не ждёт");
                    });
            console.findElement(By.id("tab-dialog")).click();
            wait.until(visible(By.id("send")));

            // Sent as an ordinary reply, the visitor receives the inserted text.
            console.findElement(By.id("send")).click();
            visitor.await(frame -> "message".equals(frame.path("type").asString())
                    && "agent".equals(frame.path("from").asString())
                    && ("Добрый день. " + text).equals(frame.path("text").asString()), "the canned reply");
            // the dialog ends here, so that it does not go back to lab47's waiting line when the console closes
            visitor.send("{\"type\":\"close\",\"dialogId\":\"" + dialogId + "\"}");
            visitor.await(frame -> "closed".equals(frame.path("event").asString()), "the closed event");
        }
        List<String> errors = console.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .filter(message -> !message.contains("Failed to load resource"))
                .toList();
        assertThat(errors).as("errors in the browser console").isEmpty();
    }
}
