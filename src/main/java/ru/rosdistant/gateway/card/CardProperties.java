package ru.rosdistant.gateway.card;

import java.time.Duration;
import java.time.ZoneId;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.cards}: the time zone transcripts are written in, and the sweep that binds and
 * transcribes any dialog whose event was missed (a restart, a database hiccup).
 *
 * @param messengerBindDelay how long a messenger dialog is left for its bridge to identify the person
 * before the sweep binds it to an anonymous lead
 */
@ConfigurationProperties("gateway.cards")
public record CardProperties(@DefaultValue("Europe/Samara") ZoneId zone, @DefaultValue("30s") Duration sweepInterval,
        @DefaultValue("10s") Duration sweepMinAge, @DefaultValue("10m") Duration messengerBindDelay) {
}
