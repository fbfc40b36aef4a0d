package ru.rosdistant.gateway.system;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** A second gateway on a held data folder stops with what to do instead of a stack trace. */
class DataFolderInUseFailureAnalyzer extends AbstractFailureAnalyzer<DataFolderInUseException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, DataFolderInUseException cause) {
        return new FailureAnalysis(cause.getMessage() + ".",
                "Stop that gateway first"
                        + (cause.holder() > 0 ? " (kill " + cause.holder() + ")" : "")
                        + ", or give this one another folder with gateway.embedded-db.data-dir"
                        + " (or its own database with spring.r2dbc.url and spring.flyway.url).",
                cause);
    }
}
