package ru.rosdistant.gateway.report;

import java.time.LocalDate;

/** Offline forms a site received in one bucket of the period. */
public record OfflineFormCount(String site, LocalDate bucket, long received) {
}
