package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.time.Clock;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.report.ReportTestData;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.js;
import static ru.rosdistant.gateway.e2e.Browsers.screenshot;
import static ru.rosdistant.gateway.e2e.Browsers.visible;

/** The Reports screen on the hand-counted data of report/fixture.sql: tiles, charts, a drill-down, the CSV. */
class ReportsBrowserTests extends BrowserTest {

    @Autowired
    AgentDirectory agents;

    @Autowired
    ApplicationContext context;

    @BeforeEach
    void fixture() {
        ReportTestData.load(context);
    }

    @AfterEach
    void systemClock() {
        ReportTestData.clock(context, Clock.systemUTC());
    }

    @Test
    void aSupervisorReadsTheFiguresOpensTheMissesAndDownloadsTheCsv() throws IOException {
        Agent supervisor = Staff.agent(agents, "lab140", 2, Role.SUPERVISOR);
        WebDriver page = browsers.open();
        WebDriverWait wait = Browsers.waitFor(page);
        logIn(page, wait, supervisor.login());
        page.findElement(By.id("reports-link")).click();
        wait.until(driver -> driver.getCurrentUrl().endsWith("/console/reports/index.html"));
        wait.withMessage(() -> "the Reports screen shows: " + js(page, "const p = document.getElementById('problem');"
                + "return location.pathname + ': ' + (p ? p.textContent : '')") + "; browser log: "
                + page.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll());
        wait.until(visible(By.id("filters")));
        wait.until(driver -> "true".equals(driver.findElement(By.tagName("body")).getDomAttribute("data-loaded")));

        js(page, "document.getElementById('from').value = '2026-05-04';"
                + "document.getElementById('to').value = '2026-05-15';"
                + "document.body.dataset.loaded = 'false';");
        page.findElement(By.id("apply")).click();
        wait.until(driver -> "true".equals(driver.findElement(By.tagName("body")).getDomAttribute("data-loaded")));
        assertThat(tileValue(page, "offered")).isEqualTo("7");
        assertThat(tileValue(page, "answered")).isEqualTo("5");
        assertThat(tileValue(page, "classification")).isEqualTo("40 %");
        assertThat(js(page, "return ['trend', 'waits', 'deadlines'].every(id => document.getElementById(id).width > 0)"))
                .isEqualTo(true);

        page.findElement(By.cssSelector("[data-tile=classification]")).click();
        wait.until(visible(By.id("drill")));
        wait.until(driver -> driver.findElements(By.cssSelector("#drill-table tbody tr")).size() == 3);
        List<WebElement> cells = page.findElements(By.cssSelector("#drill-table tbody tr:first-child td"));
        assertThat(cells.get(1).getText()).isEqualTo("00000140");
        assertThat(cells.get(7).getText()).isEqualTo("нарушен");
        screenshot(page, "reports.png");

        Object csv = ((org.openqa.selenium.JavascriptExecutor) page).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch(document.getElementById('drill-csv').href, { credentials: 'same-origin' })
                  .then(r => r.arrayBuffer())
                  .then(b => { const bytes = new Uint8Array(b);
                               done([bytes[0], bytes[1], bytes[2], new TextDecoder().decode(bytes.slice(3))]); });""");
        List<?> parts = (List<?>) csv;
        assertThat(parts.subList(0, 3).stream().map(String::valueOf).toList()).containsExactly("239", "187", "191");
        assertThat(parts.get(3).toString()).startsWith("rule;dialogId;taskId;line;")
                .contains("CLASSIFICATION;00000140-0000-0000-0000-0000000000d2;");
        assertNoScriptErrors(page);
    }

    private static String tileValue(WebDriver page, String tile) {
        return page.findElement(By.cssSelector("[data-tile=" + tile + "] .value")).getText();
    }
}
