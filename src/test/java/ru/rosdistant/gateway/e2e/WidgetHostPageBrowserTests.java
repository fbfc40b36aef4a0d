package ru.rosdistant.gateway.e2e;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.js;
import static ru.rosdistant.gateway.e2e.Browsers.waitFor;

/**
 * The widget as a host page and a keyboard or screen-reader user meet it, in the system's headless Chromium:
 * the {@code window.RosdistantChat} API with its events, opening with Space from the Tab order, and the
 * live region that announces new messages. Site and line lab49 (application-test.yml); the agent answers
 * over a socket of its own.
 */
class WidgetHostPageBrowserTests extends BrowserTest {

    private static final String SITE = "lab49";

    /** Every event the widget emits, in order, as {type, data}. */
    private static final String RECORD_EVENTS = """
            window.__events = [];
            const note = type => data => window.__events.push({type, data: JSON.parse(JSON.stringify(data))});
            window.RosdistantChat.on('opened', note('opened')).on('message', note('message')).on('state', note('state'));""";

    @Autowired
    AgentDirectory agents;

    @Test
    void theHostPageOpensAndClosesTheWidgetAndHearsItsEvents() {
        Agent agent = Staff.agent(agents, SITE, 5);
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String question = "Вопрос через API страницы " + marker;
        String reply = "Ответ специалиста " + marker;
        try (WsClient console = Staff.online(port, agent)) {
            WebDriver page = browsers.open();
            WebDriverWait wait = waitFor(page);
            SearchContext widget = openPage(page, wait);
            js(page, RECORD_EVENTS);
            wait.until(driver -> Browsers.widgetIdle(status(widget)));

            // open(): the panel unfolds and a state event says so.
            js(page, "window.RosdistantChat.setContact({name: arguments[0], email: arguments[1]}); window.RosdistantChat.open();",
                    "Пётр API " + marker, "petr-" + marker + "@example.com");
            wait.until(driver -> panel(widget).isDisplayed());
            wait.until(driver -> events(driver).stream()
                    .anyMatch(e -> "state".equals(e.get("type")) && "open".equals(data(e).get("panel"))));

            WebElement input = widget.findElement(By.cssSelector("[data-testid=input]"));
            input.sendKeys(question);
            input.sendKeys(Keys.ENTER);

            // opened: a dialog summary; the contact given with setContact reached the agent.
            Map<String, Object> opened = wait.until(driver -> first(events(driver), "opened"));
            String dialogId = (String) data(opened).get("dialogId");
            assertThat(dialogId).isNotBlank();
            JsonNode assigned = console.await(frame -> "dialog".equals(frame.path("type").asString())
                    && dialogId.equals(frame.path("dialog").path("dialogId").asString()), "the dialog");
            assertThat(assigned.path("dialog").path("visitorName").asString()).isEqualTo("Пётр API " + marker);

            // message: the visitor's own message once stored, then the agent's reply.
            wait.until(driver -> messageEvent(events(driver), "visitor", question) != null);
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "a-" + marker, "text", reply));
            Map<String, Object> answer = wait.until(driver -> messageEvent(events(driver), "agent", reply));
            assertThat(data(answer)).containsEntry("dialogId", dialogId).containsEntry("agentName", agent.displayName());
            assertThat(data(answer).get("seq")).isInstanceOf(Number.class);

            // state: the last one tells the whole picture.
            Map<String, Object> state = data(last(events(page), "state"));
            assertThat(state).containsEntry("connection", "online")
                    .containsEntry("dialogId", dialogId)
                    .containsEntry("dialogState", "ASSIGNED")
                    .containsEntry("agentName", agent.displayName())
                    .containsEntry("offlineForm", false)
                    .containsEntry("panel", "open");

            // The reply is announced: it lands in the panel's polite live region (role=log).
            WebElement log = widget.findElement(By.cssSelector("[data-testid=messages]"));
            assertThat(log.getDomAttribute("aria-live")).isEqualTo("polite");
            assertThat(log.getDomAttribute("role")).isEqualTo("log");
            wait.until(driver -> log.getDomProperty("textContent").contains(reply));

            // close(): the panel folds, the dialog goes on, a state event says so.
            js(page, "window.RosdistantChat.close();");
            wait.until(driver -> !panel(widget).isDisplayed());
            wait.until(driver -> "closed".equals(data(last(events(driver), "state")).get("panel")));
            assertThat(data(last(events(page), "state"))).containsEntry("dialogState", "ASSIGNED");

            // A reply while folded still reaches the host page, and the launcher counts it.
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "b-" + marker, "text", reply + " (2)"));
            wait.until(driver -> messageEvent(events(driver), "agent", reply + " (2)") != null);
            wait.until(driver -> "1".equals(widget.findElement(By.cssSelector("[data-testid=badge]")).getDomProperty("textContent")));

            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "CONSULTATION"));
            wait.until(driver -> "CLOSED".equals(data(last(events(driver), "state")).get("dialogState")));
            assertNoScriptErrors(page);
        }
    }

    @Test
    void aKeyboardUserOpensWithSpaceWritesWithEnterAndHearsTheAnswer() {
        Agent agent = Staff.agent(agents, SITE, 5);
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String question = "Вопрос без мыши " + marker;
        String reply = "Ответ для экранного диктора " + marker;
        try (WsClient console = Staff.online(port, agent)) {
            WebDriver page = browsers.open();
            WebDriverWait wait = waitFor(page);
            SearchContext widget = openPage(page, wait);
            js(page, RECORD_EVENTS);
            wait.until(driver -> Browsers.widgetIdle(status(widget)));

            // Tab to the launcher; Space opens the panel and puts the focus in the message box.
            for (int i = 0; i < 20 && !"launcher".equals(focused(page)); i++) {
                new Actions(page).sendKeys(Keys.TAB).perform();
            }
            assertThat(focused(page)).isEqualTo("launcher");
            new Actions(page).sendKeys(Keys.SPACE).perform();
            wait.until(driver -> panel(widget).isDisplayed());
            wait.until(driver -> "input".equals(focused(driver)));

            // Shift+Enter is a new line, Enter sends.
            new Actions(page).sendKeys(question).keyDown(Keys.SHIFT).sendKeys(Keys.ENTER).keyUp(Keys.SHIFT)
                    .sendKeys("вторая строка").sendKeys(Keys.ENTER).perform();
            WebElement own = wait.until(driver -> widget.findElements(By.cssSelector(".msg[data-from=visitor][data-state=sent]"))
                    .stream()
                    .filter(message -> message.getDomProperty("textContent").contains(question))
                    .findFirst()
                    .orElse(null));
            assertThat(own.findElement(By.cssSelector(".text")).getDomProperty("textContent"))
                    .isEqualTo(question + "\nвторая строка");
            String dialogId = (String) data(wait.until(driver -> first(events(driver), "opened"))).get("dialogId");

            // The agent's answer is announced in the live region; the focus stays where the visitor types.
            console.await(frame -> "dialog".equals(frame.path("type").asString())
                    && dialogId.equals(frame.path("dialog").path("dialogId").asString()), "the dialog");
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "k-" + marker, "text", reply));
            WebElement live = widget.findElement(By.cssSelector("[aria-live][data-testid=messages]"));
            wait.until(driver -> live.getDomProperty("textContent").contains(reply));
            assertThat(focused(page)).isEqualTo("input");

            // Shift+Tab reaches the header's "end dialog" button; Enter ends the dialog.
            for (int i = 0; i < 10 && !"close-dialog".equals(focused(page)); i++) {
                new Actions(page).keyDown(Keys.SHIFT).sendKeys(Keys.TAB).keyUp(Keys.SHIFT).perform();
            }
            assertThat(focused(page)).isEqualTo("close-dialog");
            new Actions(page).sendKeys(Keys.ENTER).perform();
            wait.until(driver -> "Диалог завершён. Напишите, чтобы начать новый".equals(status(widget)));
            wait.until(driver -> live.getDomProperty("textContent").contains("Вы завершили диалог."));
            // The button, now disabled, hands the focus to the message box rather than dropping it.
            wait.until(driver -> "input".equals(focused(driver)));

            // Escape folds the panel and gives the focus back to the launcher.
            new Actions(page).sendKeys(Keys.ESCAPE).perform();
            wait.until(driver -> !panel(widget).isDisplayed());
            assertThat(focused(page)).isEqualTo("launcher");
            assertNoScriptErrors(page);
        }
    }

    private SearchContext openPage(WebDriver page, WebDriverWait wait) {
        page.get("http://localhost:" + port + "/demo/e2e-site.html?site=" + SITE);
        return wait.until(driver -> {
            List<WebElement> found = driver.findElements(By.id("rosdistant-chat"));
            return found.isEmpty() ? null : found.get(0);
        }).getShadowRoot();
    }

    private static WebElement panel(SearchContext widget) {
        return widget.findElement(By.cssSelector("[data-testid=panel]"));
    }

    private static String status(SearchContext widget) {
        return widget.findElement(By.cssSelector("[data-testid=status]")).getDomProperty("textContent");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> events(WebDriver page) {
        return (List<Map<String, Object>>) js(page, "return window.__events;");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(Map<String, Object> event) {
        return (Map<String, Object>) event.get("data");
    }

    private static Map<String, Object> first(List<Map<String, Object>> events, String type) {
        return events.stream().filter(e -> type.equals(e.get("type"))).findFirst().orElse(null);
    }

    private static Map<String, Object> last(List<Map<String, Object>> events, String type) {
        List<Map<String, Object>> all = events.stream().filter(e -> type.equals(e.get("type"))).toList();
        assertThat(all).as(type + " events").isNotEmpty();
        return all.get(all.size() - 1);
    }

    private static Map<String, Object> messageEvent(List<Map<String, Object>> events, String from, String text) {
        return events.stream()
                .filter(e -> "message".equals(e.get("type")) && from.equals(data(e).get("from"))
                        && text.equals(data(e).get("text")))
                .findFirst()
                .orElse(null);
    }

    /** The data-testid of the element focused inside the widget, or null when the focus is elsewhere. */
    private static String focused(WebDriver page) {
        return (String) js(page, """
                const active = document.activeElement;
                if (!active || active.id !== 'rosdistant-chat') return null;
                const inner = active.shadowRoot.activeElement;
                return inner ? inner.getAttribute('data-testid') : null;""");
    }
}
