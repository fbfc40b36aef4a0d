package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
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
 * The widget's stars after a closed dialog, used with the keyboard, and the rating in the console's card panel,
 * in the system's headless Chromium. Site and line lab48 (application-test.yml).
 */
class RatingBrowserTests extends BrowserTest {

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void theVisitorRatesTheClosedDialogWithTheKeyboardAndTheAgentSeesItOnTheCard() throws IOException {
        Agent agent = Staff.agent(agents, "lab48", 5);
        WebDriver console = browsers.open();
        WebDriverWait consoleWait = waitFor(console);
        logInOnline(console, consoleWait, agent.login());

        WebDriver page = browsers.open();
        WebDriverWait pageWait = waitFor(page);
        page.get(base() + "/demo/e2e-site.html?site=lab48");
        SearchContext widget = pageWait.until(driver -> {
            List<WebElement> found = driver.findElements(By.id("rosdistant-chat"));
            return found.isEmpty() ? null : found.get(0);
        }).getShadowRoot();
        js(page, "window.__dialogId = null; window.RosdistantChat.on('state', s => { if (s.dialogId) window.__dialogId = s.dialogId; });");
        pageWait.until(driver -> Browsers.widgetIdle(status(widget)));
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

    private static String status(SearchContext widget) {
        return widget.findElement(By.cssSelector("[data-testid=status]")).getDomProperty("textContent");
    }
}
