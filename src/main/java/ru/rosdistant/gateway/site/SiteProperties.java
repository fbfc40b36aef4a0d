package ru.rosdistant.gateway.site;

import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

@Validated
@ConfigurationProperties("gateway.site")
record SiteProperties(@NotEmpty @Valid @DefaultValue List<Site> sites, @NotEmpty @DefaultValue List<Line> lines) {
}
