package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.card.CardFixtures;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.screenshot;
import static ru.rosdistant.gateway.e2e.Browsers.visible;
import static ru.rosdistant.gateway.e2e.Browsers.waitFor;

/**
 * The Cards screen (/console/cards/) in headless Chromium: search by the study group, edit with the server's field
 * errors shown by the field, a note, the responsible agent, a merge after its side-by-side preview, and a dialog moved
 * to another card. Line lab302 is this class's own.
 */
class CardsScreenBrowserTests extends BrowserTest {

    private static final String LINE = "lab302";

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void anAgentFindsEditsMergesAndMovesOnTheCardsScreen() throws IOException {
        Agent agent = Staff.agent(agents, LINE, 5);
        String marker = UUID.randomUUID().toString().substring(0, 6);
        String group = "ЭКб-" + marker;
        UUID kept = CardFixtures.card(db, "Мария Орлова", List.of("maria." + marker + "@example.ru"), List.of());
        UUID duplicate = CardFixtures.card(db, "Маша Орлова", List.of("masha." + marker + "@example.ru"), List.of());
        UUID elsewhere = CardFixtures.card(db, "Олег Сидоров " + marker, List.of(), List.of());
        CardFixtures.closedDialog(db, kept, LINE, "Посетитель: как перевестись?");
        UUID misplaced = CardFixtures.closedDialog(db, kept, LINE, "Посетитель: это Олег, я про общежитие");
        CardFixtures.closedDialog(db, duplicate, LINE, "Посетитель: справка");
        CardFixtures.closedDialog(db, elsewhere, LINE, "Посетитель: Олег");
        db.sql("UPDATE card SET study_group = :group WHERE id IN (:a, :b)").bind("group", group).bind("a", kept)
                .bind("b", duplicate).then().block(java.time.Duration.ofSeconds(10));

        WebDriver console = browsers.open();
        WebDriverWait wait = waitFor(console);
        logIn(console, wait, agent.login());
        console.get(base() + "/console/cards/index.html");
        wait.until(driver -> "true".equals(driver.findElement(By.tagName("body")).getDomAttribute("data-ready")));

        // search by the study group: both cards of the person are found
        console.findElement(By.id("q")).sendKeys(group);
        console.findElement(By.id("search-submit")).click();
        By keptRow = By.cssSelector("#results li[data-card-id='" + kept + "']");
        By duplicateRow = By.cssSelector("#results li[data-card-id='" + duplicate + "']");
        wait.until(visible(duplicateRow));
        assertThat(console.findElement(keptRow).getText()).contains("Мария Орлова").contains("группа " + group);
        console.findElement(keptRow).findElement(By.cssSelector(".result-open")).click();
        wait.until(driver -> "Мария Орлова".equals(driver.findElement(By.id("card-name")).getText()));
        screenshot(console, "cards-search.png");

        // a bad phone is refused by the server and shown by the field
        WebElement phones = console.findElement(By.id("f-phones"));
        phones.sendKeys("12-34");
        new Select(console.findElement(By.id("f-kind"))).selectByValue("STUDENT");
        new Select(console.findElement(By.id("f-status"))).selectByVisibleText("Проверка документов (1.2)");
        new Select(console.findElement(By.id("f-responsibleAgentId"))).selectByValue(Long.toString(agent.id()));
        console.findElement(By.id("card-save")).click();
        wait.until(driver -> !driver.findElement(By.id("e-phones")).getText().isEmpty());
        assertThat(console.findElement(By.id("e-phones")).getText()).contains("+78482123456");
        assertThat(phones.getDomAttribute("aria-invalid")).isEqualTo("true");
        assertThat(Checks.text(db, "SELECT contact_type AS v FROM card WHERE id = '" + kept + "'")).isNull();
        screenshot(console, "cards-field-error.png");

        phones.clear();
        phones.sendKeys("8 (848) 212-34-56");
        console.findElement(By.id("card-save")).click();
        wait.until(driver -> "Сохранено.".equals(driver.findElement(By.id("card-saved")).getText()));
        assertThat(console.findElement(By.id("e-phones")).getText()).isEmpty();
        assertThat(Checks.text(db, "SELECT contact_type || ' ' || status || ' ' || phones[1] || ' ' || responsible_agent_id AS v "
                + "FROM card WHERE id = '" + kept + "'"))
                .isEqualTo("STUDENT Проверка документов (1.2) +78482123456 " + agent.id());

        // a note
        console.findElement(By.id("note-body")).sendKeys("Просит общежитие, перезвонить после 18:00");
        console.findElement(By.id("note-add")).click();
        wait.until(driver -> driver.findElement(By.id("notes")).getText().contains("перезвонить после 18:00"));

        // merge: the side-by-side preview shows what the kept card will hold
        console.findElement(duplicateRow).findElement(By.cssSelector(".result-merge")).click();
        wait.until(visible(By.id("merge")));
        WebElement result = console.findElement(By.id("merge-result"));
        assertThat(result.findElement(By.cssSelector("dd[data-field=emails]")).getText())
                .contains("maria." + marker).contains("masha." + marker);
        assertThat(result.findElement(By.cssSelector("dd[data-field=dialogs]")).getText()).isEqualTo("3");
        assertThat(result.findElement(By.cssSelector("dd[data-field=name]")).getText()).contains("Маша Орлова");
        screenshot(console, "cards-merge-preview.png");
        console.findElement(By.id("merge-submit")).click();
        wait.until(driver -> "Карточки объединены.".equals(driver.findElement(By.id("card-saved")).getText()));
        assertThat(Checks.text(db, "SELECT merged_into::text AS v FROM card WHERE id = '" + duplicate + "'"))
                .isEqualTo(kept.toString());
        assertThat(console.findElements(By.cssSelector("#card-dialogs li[data-dialog-id]"))).hasSize(3);

        // the dialog Oleg wrote was put on Maria's card: it moves to his
        console.findElement(By.cssSelector("#card-dialogs li[data-dialog-id='" + misplaced + "'] .move")).click();
        wait.until(visible(By.id("move-modal")));
        console.findElement(By.id("move-q")).sendKeys("Олег Сидоров " + marker);
        console.findElement(By.id("move-find")).click();
        WebElement target = wait.until(visible(By.cssSelector("#move-results li[data-card-id='" + elsewhere + "'] .move-choose")));
        screenshot(console, "cards-move.png");
        target.click();
        wait.until(driver -> driver.findElement(By.id("card-saved")).getText().startsWith("Диалог перенесён"));
        assertThat(console.findElements(By.cssSelector("#card-dialogs li[data-dialog-id='" + misplaced + "']"))).isEmpty();
        assertThat(Checks.text(db, "SELECT card_id::text AS v FROM dialog WHERE id = '" + misplaced + "'"))
                .isEqualTo(elsewhere.toString());
        screenshot(console, "cards-card.png");
        assertNoScriptErrors(console);
    }
}
