package ru.rosdistant.gateway.agent;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayApplication;
import ru.rosdistant.gateway.OwnNettyResources;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo agents, whose password is public (README), exist only under the demo profile: a gateway started without
 * it on a database that has them disables them, and says so in one log line.
 */
@ExtendWith(OutputCaptureExtension.class)
class DemoAgentsTests {

    @Test
    void demoAgentsAreDisabledWithoutTheDemoProfile(CapturedOutput output) {
        try (ConfigurableApplicationContext demo = start("test", "demo")) {
            AgentDirectory agents = demo.getBean(AgentDirectory.class);
            // zoya is the last of them seeded
            Checks.eventually(() -> agents.byLogin("zoya")
                    .filter(Agent::enabled)
                    .blockOptional(Duration.ofSeconds(10))
                    .orElse(null), "the demo agents");
        }
        try (ConfigurableApplicationContext plain = start("test")) {
            AgentDirectory agents = plain.getBean(AgentDirectory.class);
            Checks.eventually(() -> agents.byLogin("zoya")
                    .filter(agent -> !agent.enabled())
                    .blockOptional(Duration.ofSeconds(10))
                    .orElse(null), "the demo agents disabled");
            for (String login : new String[] { "anna", "boris", "vera", "gleb", "dina", "egor", "zoya" }) {
                assertThat(agents.byLogin(login).block(Duration.ofSeconds(10)).enabled()).as(login).isFalse();
            }
            assertThat(agents.byLogin("admin").block(Duration.ofSeconds(10)).enabled()).isTrue();
            Checks.eventually(() -> output.getOut().lines()
                    .filter(line -> line.contains("demo") && line.contains("anna") && line.contains("zoya"))
                    .findFirst()
                    .orElse(null), "one log line naming the disabled demo agents");
        }
    }

    private static ConfigurableApplicationContext start(String... profiles) {
        // event loops of its own: closing it must not dispose the global loops the shared test gateway runs on
        return new SpringApplicationBuilder(GatewayApplication.class, OwnNettyResources.class).profiles(profiles)
                .run("--server.port=0");
    }
}
