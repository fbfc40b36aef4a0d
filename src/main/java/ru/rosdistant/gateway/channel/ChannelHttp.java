package ru.rosdistant.gateway.channel;

import java.time.Duration;

import io.netty.channel.ChannelOption;
import reactor.netty.http.client.HttpClient;

import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The HTTP client of the bridges (Viber and WhatsApp APIs, Telegram file downloads): non-blocking, with
 * timeouts so a hung platform holds an outbox delivery no longer than a minute, and room in memory for a
 * file up to the size limit.
 */
@Component
public class ChannelHttp {

    private final WebClient client;

    ChannelHttp(ChannelProperties properties) {
        HttpClient http = HttpClient.create()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .responseTimeout(Duration.ofSeconds(45));
        int maxBytes = (int) Math.min(Integer.MAX_VALUE, properties.maxFileSize().toBytes() + 1024 * 1024);
        this.client = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(http))
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(maxBytes))
                .build();
    }

    public WebClient client() {
        return client;
    }
}
