package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.NewAgent;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.screenshot;
import static ru.rosdistant.gateway.e2e.Browsers.visible;

/**
 * The supervisor's live view in the console's middle pane: each of their lines with who waits and how long, the
 * agents online with their load, and the live dialogs. Lines lab542 (one agent, one dialog) and lab543 (its only
 * agent full, a visitor waiting). Makes the README's screenshot console-live-view.png.
 */
class LiveViewBrowserTests extends BrowserTest {

    @Autowired
    AgentDirectory agents;

    @Test
    void aSupervisorSeesEachLinesWaitingVisitorsAgentsAndLoads() throws IOException {
        String suffix = Long.toString(System.nanoTime() % 1_000_000L);
        Agent supervisor = staff("sv" + suffix, "Ольга Руководитель", Role.SUPERVISOR, List.of("lab542", "lab543"), 5);
        Agent anna = staff("anna" + suffix, "Анна Оператор", Role.AGENT, List.of("lab542"), 3);
        Agent boris = staff("boris" + suffix, "Борис Оператор", Role.AGENT, List.of("lab543"), 1);
        try (WsClient annaConsole = Staff.online(port, anna);
                WsClient borisConsole = Staff.online(port, boris);
                WsClient maria = opened("lab542", "Мария Иванова", "Когда начинается приём документов?");
                WsClient petr = opened("lab543", "Пётр Сидоров", "Не вижу оценку за сессию")) {
            annaConsole.await(frame -> "ASSIGNED".equals(frame.path("dialog").path("state").asString()), "Мария");
            borisConsole.await(frame -> "ASSIGNED".equals(frame.path("dialog").path("state").asString()), "Пётр");
            // Борис is full now: Елена waits
            try (WsClient elena = opened("lab543", "Елена Кузнецова", "Как перевестись на другую форму обучения?")) {
                WebDriver console = browsers.open();
                WebDriverWait wait = new WebDriverWait(console, Duration.ofSeconds(30));
                logIn(console, wait, supervisor.login());
                console.findElement(By.id("tab-live")).click();
                // re-drawn every 10 s: lab543 shows Елена waiting and Борис full, lab542 Анна with one dialog
                wait.ignoring(StaleElementReferenceException.class)
                        .until(driver -> line(driver, "lab543").contains("Елена Кузнецова")
                                && line(driver, "lab543").contains("Борис Оператор 1/1")
                                && line(driver, "lab542").contains("Анна Оператор 1/3")
                                && line(driver, "lab542").contains("Мария Иванова"));
                assertThat(line(console, "lab543")).contains("Пётр Сидоров").doesNotContain("никто не ждёт");
                assertThat(line(console, "lab542")).contains("никто не ждёт");
                wait.until(visible(By.cssSelector("#overview li[data-line=lab543]")));
                screenshot(console, "console-live-view.png");
                assertNoScriptErrors(console);
            }
        }
    }

    private Agent staff(String login, String name, Role role, List<String> lines, int maxDialogs) {
        return agents.create(new NewAgent(login, name, Staff.PASSWORD, EnumSet.of(Role.AGENT, role), lines,
                maxDialogs)).block(Duration.ofSeconds(30));
    }

    /** A visitor who opened a dialog and wrote in it (a dialog joins the waiting line with its first message). */
    private WsClient opened(String site, String name, String text) {
        WsClient visitor = WsClient.visitor(port, site, "https://" + site + ".test");
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send(Map.of("type", "open", "name", name));
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "m1", "text", text));
        visitor.awaitType("ack");
        return visitor;
    }

    private static String line(WebDriver driver, String line) {
        List<WebElement> found = driver.findElements(By.cssSelector("#overview li[data-line=" + line + "]"));
        return found.isEmpty() ? "" : found.get(0).getText();
    }
}
