package ru.rosdistant.gateway.e2e;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.e2e.Browsers.assertNoScriptErrors;
import static ru.rosdistant.gateway.e2e.Browsers.screenshot;
import static ru.rosdistant.gateway.e2e.Browsers.visible;
import static ru.rosdistant.gateway.e2e.Browsers.waitFor;

/**
 * The ADMIN's screens in the console, in the system's headless Chromium: creating an agent, changing roles
 * and lines, disabling, and the lines with who serves them. Lines lab54 and lab55; the administrator is one
 * of the test's own, not the shared bootstrap one.
 */
class AdminConsoleBrowserTests extends BrowserTest {

    @Autowired
    AgentDirectory agents;

    @Test
    void anAdministratorCreatesChangesAndDisablesAnAgentInTheConsole() throws IOException {
        Agent admin = Staff.agent(agents, "lab54", 2, Role.ADMIN);
        Agent plain = Staff.agent(agents, "lab54", 2);
        String login = "adm" + UUID.randomUUID().toString().substring(0, 8);
        String password = "first-password-1";

        // An agent without ADMIN has no administration button.
        WebDriver console = browsers.open();
        WebDriverWait wait = waitFor(console);
        // the agents' table is drawn anew after every save
        wait.ignoring(StaleElementReferenceException.class);
        logIn(console, wait, plain.login());
        assertThat(console.findElement(By.id("admin-open")).isDisplayed()).isFalse();
        console.findElement(By.id("logout")).click();
        // the console leaves once the server has ended the session; navigating before that could abort the logout's
        // request and open the console again with the old session
        wait.until(visible(By.id("login-username")));

        logIn(console, wait, admin.login());
        wait.until(visible(By.id("admin-open"))).click();
        wait.until(visible(By.id("admin-modal")));
        wait.until(driver -> row(driver, admin.login()) != null);
        assertThat(row(console, admin.login()).getText()).contains("администратор");

        // Create: the form checks what it can before sending.
        console.findElement(By.id("admin-new")).click();
        wait.until(visible(By.id("admin-form")));
        console.findElement(By.id("admin-login")).sendKeys("Bad Login");
        console.findElement(By.id("admin-save")).click();
        wait.until(driver -> "true".equals(driver.findElement(By.id("admin-login")).getDomAttribute("aria-invalid")));
        assertThat(console.findElement(By.id("admin-form-error")).getText()).startsWith("Логин:");
        console.findElement(By.id("admin-login")).clear();
        console.findElement(By.id("admin-login")).sendKeys(login);
        console.findElement(By.id("admin-display")).sendKeys("Ольга Лабораторная");
        console.findElement(By.id("admin-password")).sendKeys(password);
        WebElement max = console.findElement(By.id("admin-max"));
        max.clear();
        max.sendKeys("3");
        lineBox(console, "lab54").click();
        console.findElement(By.id("admin-save")).click();
        wait.until(driver -> row(driver, login) != null);
        Agent created = agents.byLogin(login).block(Duration.ofSeconds(10));
        assertThat(created.displayName()).isEqualTo("Ольга Лабораторная");
        assertThat(created.roles()).containsExactly(Role.AGENT);
        assertThat(created.lines()).containsExactly("lab54");
        assertThat(created.maxDialogs()).isEqualTo(3);
        assertThat(created.enabled()).isTrue();
        assertThat(Staff.login(port, login, password)).startsWith("SESSION=");

        // The same login again is refused with a clear message.
        console.findElement(By.id("admin-new")).click();
        console.findElement(By.id("admin-login")).sendKeys(login);
        console.findElement(By.id("admin-display")).sendKeys("Дубликат");
        console.findElement(By.id("admin-password")).sendKeys(password);
        console.findElement(By.id("admin-save")).click();
        wait.until(driver -> driver.findElement(By.id("admin-form-error")).getText().contains("такой логин уже есть"));
        console.findElement(By.id("admin-cancel")).click();

        // Change roles and lines: the dispatcher role, line lab55 instead of lab54.
        row(console, login).findElement(By.cssSelector(".admin-edit")).click();
        wait.until(visible(By.id("admin-form")));
        assertThat(console.findElement(By.id("admin-login")).isEnabled()).isFalse();
        roleBox(console, "DISPATCHER").click();
        lineBox(console, "lab54").click();
        lineBox(console, "lab55").click();
        console.findElement(By.id("admin-save")).click();
        wait.until(driver -> row(driver, login).getText().contains("диспетчер"));
        Agent changed = agents.byLogin(login).block(Duration.ofSeconds(10));
        assertThat(changed.roles()).containsExactlyInAnyOrder(Role.AGENT, Role.DISPATCHER);
        assertThat(changed.lines()).containsExactly("lab55");
        WebElement lab55 = console.findElement(By.cssSelector("#admin-lines-table tr[data-line=lab55]"));
        assertThat(lab55.getText()).contains("Lab 55 — lab55.test, lab55@test").contains("Ольга Лабораторная");
        screenshot(console, "console-admin.png");

        // Disable: marked in the list, and the login is refused from now on.
        row(console, login).findElement(By.cssSelector(".admin-edit")).click();
        wait.until(visible(By.id("admin-form")));
        console.findElement(By.id("admin-enabled")).click();
        console.findElement(By.id("admin-save")).click();
        wait.until(driver -> "false".equals(row(driver, login).getDomAttribute("data-enabled")));
        assertThat(row(console, login).getText()).contains("отключена");
        assertThat(agents.byLogin(login).block(Duration.ofSeconds(10)).enabled()).isFalse();
        Checks.http(port).post()
                .uri("/login")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("username=" + login + "&password=" + password)
                .exchange()
                .expectStatus().isUnauthorized();

        // The administrator cannot disable themselves: the server's refusal is shown.
        row(console, admin.login()).findElement(By.cssSelector(".admin-edit")).click();
        wait.until(visible(By.id("admin-form")));
        console.findElement(By.id("admin-enabled")).click();
        console.findElement(By.id("admin-save")).click();
        wait.until(driver -> driver.findElement(By.id("admin-form-error")).getText().contains("your own"));
        assertThat(agents.byId(admin.id()).block(Duration.ofSeconds(10)).enabled()).isTrue();
        assertNoScriptErrors(console);
    }

    private static WebElement row(WebDriver console, String login) {
        List<WebElement> rows = console.findElements(By.cssSelector("#admin-agents tr[data-login='" + login + "']"));
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static WebElement lineBox(WebDriver console, String line) {
        return console.findElement(By.cssSelector("#admin-lines input[value='" + line + "']"));
    }

    private static WebElement roleBox(WebDriver console, String role) {
        return console.findElement(By.cssSelector("#admin-roles input[value='" + role + "']"));
    }
}
