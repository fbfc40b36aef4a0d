package ru.rosdistant.gateway.cluster;

import java.net.ServerSocket;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.cluster.TwoNodesTests.awaitTrue;

@GatewayTest
class ClusterSettingsTests {

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext context;

    @Test
    void aSingleNodeMakesNoRedisConnectionAndIsReady() {
        assertThat(context.getBeanNamesForType(ReactiveRedisConnectionFactory.class)).isEmpty();
        assertThat(context.getBean(ClusterProperties.class).enabled()).isFalse();
        Checks.http(port).get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
        Checks.http(port).get().uri("/actuator/health").exchange().expectStatus().isOk();
    }

    @Test
    void aNodeStartedWhileRedisIsDownComesUpReadyAndPollsPostgresql() throws Exception {
        int nobody;
        try (ServerSocket free = new ServerSocket(0)) {
            nobody = free.getLocalPort();
        }
        try (ConfigurableApplicationContext node = TwoNodesTests.node("node-without-redis",
                "redis://127.0.0.1:" + nobody)) {
            int nodePort = TwoNodesTests.port(node);
            // on a fresh database the node is ready once its first-start accounts are stored
            awaitTrue(() -> Checks.http(nodePort).get().uri("/actuator/health/readiness").exchange()
                    .returnResult(String.class).getStatus().value() == 200, "the node is ready");
            Checks.http(nodePort).get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
            Checks.http(nodePort).get().uri("/actuator/health").exchange().expectStatus().isOk();
            LiveFanOut fanOut = node.getBean(LiveFanOut.class);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!fanOut.polling() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(fanOut.polling()).as("polls PostgreSQL while Redis is away").isTrue();
        }
    }

    @Test
    void aGeneratedNodeIdDiffersEveryStartAndAConfiguredOneIsKept() {
        ClusterProperties first = new ClusterProperties("", "", Duration.ofSeconds(2), Duration.ofSeconds(15),
                Duration.ofSeconds(5), Duration.ofSeconds(1));
        ClusterProperties second = new ClusterProperties("", "", Duration.ofSeconds(2), Duration.ofSeconds(15),
                Duration.ofSeconds(5), Duration.ofSeconds(1));
        assertThat(first.nodeId()).isNotBlank().isNotEqualTo(second.nodeId());
        assertThat(new ClusterProperties("node-7", "", Duration.ofSeconds(2), Duration.ofSeconds(15),
                Duration.ofSeconds(5), Duration.ofSeconds(1)).nodeId()).isEqualTo("node-7");
    }
}
