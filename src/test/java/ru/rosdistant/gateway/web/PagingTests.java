package ru.rosdistant.gateway.web;

import org.junit.jupiter.api.Test;

import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A list's limit is clamped into its bounds; an offset past 0 to 10,000, or a parameter that is no number, is refused. */
class PagingTests {

    @Test
    void aLimitIsClampedIntoItsBoundsAndAbsentParametersTakeTheirDefaults() {
        assertThat(Paging.of(null, null, 100, 200)).isEqualTo(new Paging(100, 0));
        assertThat(Paging.of("201", "5", 100, 200)).isEqualTo(new Paging(200, 5));
        assertThat(Paging.of("99999999999999999999999", "10000", 100, 200)).isEqualTo(new Paging(200, 10_000));
        assertThat(Paging.of("0", null, 100, 200).limit()).isEqualTo(1);
        assertThat(Paging.of("-7", null, 100, 200).limit()).isEqualTo(1);
        assertThat(Paging.of(" 42 ", "+3", 100, 200)).isEqualTo(new Paging(42, 3));
    }

    @Test
    void aListThatPagesByOffsetAlwaysSaysWhereItsPageStartsAndAFirstPageListNever() {
        assertThat(Paging.of("5", null, 100, 200).headers(ResponseEntity.ok()).build().getHeaders()
                .getFirst("X-Offset")).isEqualTo("0");
        ResponseEntity<Void> first = Paging.first("900", 100, 500).headers(ResponseEntity.ok()).build();
        assertThat(first.getHeaders().getFirst("X-Limit")).isEqualTo("500");
        assertThat(first.getHeaders().containsHeader("X-Offset")).isFalse();
    }

    @Test
    void anOffsetPastItsBoundsOrAParameterThatIsNoWholeNumberIsTheCallersMistake() {
        assertThatThrownBy(() -> Paging.of(null, "10001", 100, 200)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("offset: a whole number from 0 to 10000, got '10001'");
        assertThatThrownBy(() -> Paging.of(null, "-1", 100, 200)).isInstanceOf(IllegalArgumentException.class);
        for (String bad : new String[] {"", "ten", "1e3", "1.5", "0x10", "1".repeat(41)}) {
            assertThatThrownBy(() -> Paging.of(bad, null, 100, 200)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("limit: a whole number, got '");
        }
    }
}
