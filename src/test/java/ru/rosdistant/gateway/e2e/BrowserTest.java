package ru.rosdistant.gateway.e2e;

import java.io.IOException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.web.server.LocalServerPort;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;

import static ru.rosdistant.gateway.e2e.Browsers.js;
import static ru.rosdistant.gateway.e2e.Browsers.visible;

/**
 * What every browser test shares: the shared test gateway, the system's Chromium (skipped when it is not
 * installed), the browsers a test opened closed after it, and the gateway's base URL.
 */
@GatewayTest
abstract class BrowserTest {

    @LocalServerPort
    protected int port;

    protected final Browsers browsers = new Browsers();

    @BeforeAll
    static void systemBrowser() {
        Browsers.assumeInstalled();
    }

    @AfterEach
    void closeBrowsers() throws IOException {
        browsers.closeAll();
    }

    protected String base() {
        return "http://localhost:" + port;
    }

    /** Opens the console, logs {@code login} in (the staff test password) and waits until its socket is online. */
    protected void logIn(WebDriver console, WebDriverWait wait, String login) {
        console.get(base() + "/console");
        WebElement username = wait.until(visible(By.id("login-username")));
        username.clear();
        username.sendKeys(login);
        console.findElement(By.id("login-password")).clear();
        console.findElement(By.id("login-password")).sendKeys(Staff.PASSWORD);
        console.findElement(By.id("login-submit")).click();
        wait.until(visible(By.id("main-view")));
        wait.until(driver -> "online".equals(driver.findElement(By.id("connection")).getDomAttribute("data-state")));
    }

    /** {@link #logIn}, then the agent goes ONLINE; returns once the server has confirmed it (a presence frame came back). */
    protected void logInOnline(WebDriver console, WebDriverWait wait, String login) {
        logIn(console, wait, login);
        new Select(console.findElement(By.id("presence"))).selectByValue("ONLINE");
        wait.until(driver -> Boolean.TRUE.equals(js(driver, "return window.__wsLog.some(l => l.includes(' < ')"
                + " && l.includes('\"presence\"') && l.includes('\"ONLINE\"'));")));
    }
}
