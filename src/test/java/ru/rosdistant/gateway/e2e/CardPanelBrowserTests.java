package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.js;
import static ru.rosdistant.gateway.e2e.Browsers.screenshot;
import static ru.rosdistant.gateway.e2e.Browsers.visible;
import static ru.rosdistant.gateway.e2e.Browsers.waitFor;

/**
 * The console's card side panel and task list, and the widget's transcript request, in the system's headless
 * Chromium against the running gateway. Sites and lines lab39 and lab40 (application-test.yml) are this class's
 * own; the host page {@code /demo/e2e-site.html?site=…} (test resources) embeds the widget.
 */
class CardPanelBrowserTests extends BrowserTest {

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void theCardPanelShowsTheEarlierDialogAndItsTaskIsCompletedFromTheList() throws IOException {
        Agent agent = Staff.agent(agents, "lab39", 5);
        WebDriver console = consoleOnline(agent);
        WebDriverWait consoleWait = waitFor(console);

        String marker = UUID.randomUUID().toString().substring(0, 8);
        String name = "Ирина Петрова " + marker;
        String email = "irina." + marker + "@example.test";
        WebDriver page = browsers.open();
        WebDriverWait pageWait = waitFor(page);
        SearchContext widget = openWidget(page, pageWait, "lab39", null);
        // The host page knows who the visitor is.
        js(page, "window.RosdistantChat.setContact({name: arguments[0], email: arguments[1]});", name, email);

        // Markup in a message must reach the card panel's transcript as text.
        String question = "Как подать <b>документы</b> на магистратуру? " + marker;
        String firstDialog = visitorWrites(page, pageWait, widget, question);
        openDialogInConsole(console, consoleWait, firstDialog);
        consoleWait.until(driver -> driver.findElement(By.id("reply")).isEnabled());
        String answer = "Загрузите скан паспорта в личном кабинете " + marker;
        console.findElement(By.id("reply")).sendKeys(answer);
        console.findElement(By.id("send")).click();
        pageWait.until(driver -> widget.findElements(By.cssSelector(".msg[data-from=agent]"))
                .stream()
                .anyMatch(message -> message.getText().contains(answer)));

        // The agent closes it as a service request with its ticket-desk number.
        String number = "SR-" + (System.nanoTime() % 1_000_000);
        consoleWait.until(driver -> driver.findElement(By.id("close-dialog")).isEnabled());
        console.findElement(By.id("close-dialog")).click();
        consoleWait.until(visible(By.id("close-modal")));
        new Select(console.findElement(By.id("appeal-type"))).selectByValue("SERVICE_REQUEST");
        consoleWait.until(visible(By.id("request-number"))).sendKeys(number);
        console.findElement(By.id("close-submit")).click();
        consoleWait.until(driver -> !driver.findElement(By.id("close-modal")).isDisplayed());

        // The agent's task list gets the follow-up, without a reload.
        String title = "Сообщить результат по заявке " + number;
        By taskItem = By.xpath("//ul[@id='tasks']/li[contains(@class, 'task')][.//div[@class='title' and text()='"
                + title + "']]");
        WebElement task = consoleWait.until(visible(taskItem));
        String taskId = task.getDomAttribute("data-task-id");
        assertThat(taskId).isNotBlank();
        assertThat(task.findElement(By.cssSelector(".due")).getText()).startsWith("срок ");
        assertThat(task.getDomAttribute("data-overdue")).isEqualTo("false");

        // In the widget, the closed dialog offers its transcript by e-mail; a bad address is refused by the field.
        pageWait.until(driver -> "Диалог завершён. Напишите, чтобы начать новый".equals(statusOf(widget)));
        WebElement transcriptBox = pageWait.until(driver -> {
            WebElement box = widget.findElement(By.cssSelector("[data-testid=transcript]"));
            return box.isDisplayed() ? box : null;
        });
        assertThat(transcriptBox.getText()).contains("Отправить стенограмму на e-mail");
        WebElement address = widget.findElement(By.cssSelector("[data-testid=tr-email]"));
        // The address the host page gave is offered.
        assertThat(address.getDomProperty("value")).isEqualTo(email);
        address.clear();
        address.sendKeys("irina-at-example");
        widget.findElement(By.cssSelector("[data-testid=tr-send]")).click();
        pageWait.until(driver -> "Проверьте адрес эл. почты."
                .equals(widget.findElement(By.cssSelector("[data-testid=tr-error]")).getText()));
        assertThat(address.getDomAttribute("aria-invalid")).isEqualTo("true");
        assertThat(widget.findElement(By.cssSelector("[data-testid=tr-done]")).isDisplayed()).isFalse();
        screenshot(page, "widget-transcript-bad-email.png");

        address.clear();
        address.sendKeys(email);
        widget.findElement(By.cssSelector("[data-testid=tr-send]")).click();
        pageWait.until(driver -> widget.findElement(By.cssSelector("[data-testid=tr-done]")).isDisplayed());
        assertThat(widget.findElement(By.cssSelector("[data-testid=tr-done]")).getText())
                .isEqualTo("Стенограмма будет отправлена на " + email + ".");
        assertThat(widget.findElement(By.cssSelector("[data-testid=tr-error]")).getText()).isEmpty();
        assertThat(address.getDomAttribute("aria-invalid")).isNull();
        assertThat(outboxRows("transcript:" + firstDialog + ":" + email)).isEqualTo(1L);
        screenshot(page, "widget-transcript-queued.png");

        // The same visitor comes back with a second dialog; it goes to the same agent.
        String followUp = "Я загрузил скан, что дальше? " + marker;
        js(page, "window.__dialogId = null;");
        String secondDialog = visitorWrites(page, pageWait, widget, followUp);
        assertThat(secondDialog).isNotEqualTo(firstDialog);
        // the transcript box is set up afresh for the new dialog (its address may be given while it is open)
        pageWait.until(driver -> !widget.findElement(By.cssSelector("[data-testid=tr-done]")).isDisplayed());
        openDialogInConsole(console, consoleWait, secondDialog);

        // The card panel: who this is, and the earlier dialog with its transcript (the current one is not listed).
        consoleWait.until(driver -> driver.findElement(By.cssSelector("#card-fields .card-name")).getText()
                .equals(name));
        assertThat(console.findElement(By.cssSelector("#card-fields .card-emails")).getText()).isEqualTo(email);
        By earlier = By.cssSelector("#card-history li[data-dialog-id='" + firstDialog + "']");
        WebElement earlierItem = consoleWait.until(visible(earlier));
        assertThat(console.findElements(By.cssSelector("#card-history li[data-dialog-id='" + secondDialog + "']")))
                .isEmpty();
        assertThat(earlierItem.getText()).contains("Запрос на обслуживание № " + number).contains("Виджет");
        WebElement transcript = earlierItem.findElement(By.cssSelector("pre.transcript"));
        assertThat(transcript.isDisplayed()).isFalse();
        WebElement toggle = earlierItem.findElement(By.cssSelector(".transcript-toggle"));
        assertThat(toggle.getText()).isEqualTo("Стенограмма");
        toggle.click();
        consoleWait.until(driver -> transcript.isDisplayed());
        assertThat(toggle.getDomAttribute("aria-expanded")).isEqualTo("true");
        String text = transcript.getDomProperty("textContent");
        assertThat(text).contains(question).contains(answer);
        // Text, never HTML: the visitor's markup is shown as typed and made no element.
        assertThat(transcript.findElements(By.tagName("b"))).isEmpty();
        // The task of the earlier dialog is on the card too.
        assertThat(console.findElement(By.id("card-tasks")).getText()).contains(title);
        screenshot(console, "console-card-panel.png");

        // The panel collapses and opens again.
        console.findElement(By.id("card-toggle")).click();
        consoleWait.until(driver -> !driver.findElement(By.id("card-body")).isDisplayed());
        assertThat(console.findElement(By.id("card-toggle")).getDomAttribute("aria-expanded")).isEqualTo("false");
        console.findElement(By.id("card-toggle")).click();
        consoleWait.until(visible(earlier));

        // Completing the task asks for its result; without one nothing is sent.
        WebElement listed = console.findElement(taskItem);
        listed.findElement(By.cssSelector(".task-complete")).click();
        WebElement result = consoleWait.until(driver -> {
            List<WebElement> found = listed.findElements(By.cssSelector("textarea.task-result"));
            return !found.isEmpty() && found.get(0).isDisplayed() ? found.get(0) : null;
        });
        listed.findElement(By.cssSelector(".task-submit")).click();
        consoleWait.until(driver -> listed.findElement(By.cssSelector(".task-error")).getText().equals("Опишите результат."));
        assertThat(taskState(taskId)).isEqualTo("OPEN");
        result.sendKeys("Сообщили посетителю: документы приняты " + marker);
        screenshot(console, "console-task-complete.png");
        listed.findElement(By.cssSelector(".task-submit")).click();
        consoleWait.until(driver -> driver.findElements(taskItem).isEmpty());
        assertThat(taskState(taskId)).isEqualTo("DONE");
        assertThat(console.findElement(By.id("notice")).getText()).contains(title);
        screenshot(console, "console-task-done.png");
        assertNoScriptErrors(console);
        assertNoScriptErrors(page);
    }

    @Test
    void theEnglishWidgetRefusesABadAddressAndTheConsoleShowsTheServersReason() {
        Agent agent = Staff.agent(agents, "lab40", 5);
        WebDriver console = consoleOnline(agent);
        WebDriverWait consoleWait = waitFor(console);
        WebDriver page = browsers.open();
        WebDriverWait pageWait = waitFor(page);
        SearchContext widget = openWidget(page, pageWait, "lab40", "en");
        assertThat(widget.findElement(By.cssSelector("[data-testid=transcript]")).isDisplayed()).isFalse();
        String dialogId = visitorWrites(page, pageWait, widget, "Hello, I need my diploma copy " + UUID.randomUUID());
        openDialogInConsole(console, consoleWait, dialogId);
        consoleWait.until(driver -> driver.findElement(By.id("close-dialog")).isEnabled());
        String number = "CR-" + (System.nanoTime() % 1_000_000);
        console.findElement(By.id("close-dialog")).click();
        consoleWait.until(visible(By.id("close-modal")));
        new Select(console.findElement(By.id("appeal-type"))).selectByValue("CHANGE_REQUEST");
        consoleWait.until(visible(By.id("request-number"))).sendKeys(number);
        console.findElement(By.id("close-submit")).click();
        By taskItem = By.xpath("//ul[@id='tasks']/li[.//div[@class='title' and text()='Сообщить результат по заявке "
                + number + "']]");
        WebElement listed = consoleWait.until(visible(taskItem));
        String taskId = listed.getDomAttribute("data-task-id");

        // The English widget offers the transcript in English.
        pageWait.until(driver -> widget.findElement(By.cssSelector("[data-testid=transcript]")).isDisplayed());
        assertThat(widget.findElement(By.cssSelector("[data-testid=transcript]")).getText())
                .contains("Email me the transcript");
        WebElement address = widget.findElement(By.cssSelector("[data-testid=tr-email]"));
        address.sendKeys("nobody@nowhere");
        widget.findElement(By.cssSelector("[data-testid=tr-send]")).click();
        pageWait.until(driver -> "Check the e-mail address."
                .equals(widget.findElement(By.cssSelector("[data-testid=tr-error]")).getText()));

        // Someone (a supervisor, another tab) completes the task first: the console shows the server's detail.
        listed.findElement(By.cssSelector(".task-complete")).click();
        WebElement result = consoleWait.until(driver -> listed.findElement(By.cssSelector("textarea.task-result")));
        db.sql("UPDATE task SET state = 'DONE', result = 'elsewhere', completed_at = now() WHERE id = '" + taskId + "'")
                .then()
                .block(Duration.ofSeconds(10));
        result.sendKeys("Выдали копию");
        listed.findElement(By.cssSelector(".task-submit")).click();
        consoleWait.until(driver -> listed.findElement(By.cssSelector(".task-error")).getText()
                .equals("Не удалось завершить задачу: The task is already done"));
        assertNoScriptErrors(console);
        assertNoScriptErrors(page);
    }

    // ------------------------------------------------------------------------------------------------

    private Long outboxRows(String dedupKey) {
        return db.sql("SELECT count(*) AS n FROM outbox WHERE dedup_key = :key")
                .bind("key", dedupKey)
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10));
    }

    private String taskState(String taskId) {
        return db.sql("SELECT state FROM task WHERE id = '" + taskId + "'")
                .map(row -> row.get("state", String.class))
                .one()
                .block(Duration.ofSeconds(10));
    }

    private WebDriver consoleOnline(Agent agent) {
        WebDriver console = browsers.open();
        WebDriverWait wait = waitFor(console);
        logInOnline(console, wait, agent.login());
        return console;
    }

    private SearchContext openWidget(WebDriver page, WebDriverWait wait, String site, String lang) {
        page.get(base() + "/demo/e2e-site.html?site=" + site + (lang == null ? "" : "&lang=" + lang));
        SearchContext widget = widgetOf(page, wait);
        js(page, "window.__dialogId = null; window.__state = {};"
                + " window.RosdistantChat.on('state', s => { window.__state = s; if (s.dialogId) window.__dialogId = s.dialogId; });");
        wait.until(driver -> Browsers.widgetIdle(statusOf(widget)));
        widget.findElement(By.cssSelector("[data-testid=launcher]")).click();
        wait.until(driver -> widget.findElement(By.cssSelector("[data-testid=input]")).isDisplayed());
        return widget;
    }

    private String visitorWrites(WebDriver page, WebDriverWait wait, SearchContext widget, String text) {
        widget.findElement(By.cssSelector("[data-testid=input]")).sendKeys(text);
        widget.findElement(By.cssSelector("[data-testid=send]")).click();
        wait.until(driver -> widget.findElements(By.cssSelector(".msg[data-from=visitor][data-state=sent]"))
                .stream()
                .anyMatch(message -> message.getText().contains(text)));
        return wait.until(driver -> (String) js(driver, "return window.__dialogId;"));
    }

    private static void openDialogInConsole(WebDriver console, WebDriverWait wait, String dialogId) {
        By item = By.cssSelector("#dialogs li[data-dialog-id='" + dialogId + "'] .dialog-open");
        wait.until(visible(item)).click();
    }

    private static SearchContext widgetOf(WebDriver page, WebDriverWait wait) {
        return wait.until(driver -> {
            List<WebElement> found = driver.findElements(By.id("rosdistant-chat"));
            return found.isEmpty() ? null : found.get(0);
        }).getShadowRoot();
    }

    private static String statusOf(SearchContext widget) {
        return widget.findElement(By.cssSelector("[data-testid=status]")).getDomProperty("textContent");
    }
}
