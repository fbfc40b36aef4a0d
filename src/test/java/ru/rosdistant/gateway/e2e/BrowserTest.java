package ru.rosdistant.gateway.e2e;

import java.io.IOException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import org.springframework.boot.test.web.server.LocalServerPort;
import ru.rosdistant.gateway.GatewayTest;

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
}
