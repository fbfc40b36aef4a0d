package ru.rosdistant.gateway.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.StringUtils;

/**
 * Several gateway processes on one PostgreSQL and one Redis. With no {@code redisUrl} the gateway is a single node
 * and none of this runs.
 *
 * @param nodeId this process's name among the nodes; empty: the host name and a random suffix, new at every start
 * @param redisUrl {@code redis://[:password@]host:port[/db]}; empty: a single node, no Redis
 * @param heartbeatInterval how often a node writes its agents' presence and sends a heartbeat through Redis
 * @param presenceTimeout an agent's presence row older than this is ignored (its node died)
 * @param redisSilence a node whose own heartbeat has not come back through Redis for this long takes Redis for
 * down and polls PostgreSQL for what its sockets follow
 * @param pollInterval how often a node polls PostgreSQL while Redis is down
 */
@ConfigurationProperties("gateway.cluster")
public record ClusterProperties(@DefaultValue("") String nodeId, @DefaultValue("") String redisUrl,
        @DefaultValue("2s") Duration heartbeatInterval, @DefaultValue("15s") Duration presenceTimeout,
        @DefaultValue("5s") Duration redisSilence, @DefaultValue("1s") Duration pollInterval) {

    public ClusterProperties {
        if (!StringUtils.hasText(nodeId)) {
            nodeId = hostName() + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        }
        if (nodeId.length() > 100) {
            throw new IllegalArgumentException("gateway.cluster.node-id is longer than 100 characters");
        }
    }

    /** Whether this gateway is one of several nodes. */
    public boolean enabled() {
        return StringUtils.hasText(redisUrl);
    }

    private static String hostName() {
        String fromEnvironment = System.getenv("HOSTNAME");
        if (StringUtils.hasText(fromEnvironment)) {
            return fromEnvironment;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (UnknownHostException ex) {
            return "node";
        }
    }
}
