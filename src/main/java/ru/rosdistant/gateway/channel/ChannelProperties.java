package ru.rosdistant.gateway.channel;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Where the bot files are ({@code configs}: a resource pattern) and the largest file a person may send
 * that is kept (regulation 4.2: 16 MB; a larger one is recorded as blocked). {@code webhookMaxBody} is the
 * largest body a webhook door reads ({@link WebhookLimits}: a larger one is refused with 413 before it is parsed).
 */
@ConfigurationProperties("gateway.channel")
record ChannelProperties(@DefaultValue("file:bot-configs/*.yml") String configs,
        @DefaultValue("16MB") DataSize maxFileSize, @DefaultValue("128KB") DataSize webhookMaxBody) {
}
