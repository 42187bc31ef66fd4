package dev.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.broker.plugin.tail.TailSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BrokerMainTest {

  @Test
  void defaultsAreTheDurableStoreWithThirtyDaysAndTenGibibytes() {
    BrokerConfig config = BrokerMain.parse(new String[0]);
    assertThat(config.store()).isEqualTo(BrokerConfig.StoreKind.SEGMENT);
    assertThat(config.retention().age()).isEqualTo(Duration.ofDays(30));
    assertThat(config.retention().bytes()).isEqualTo(10L << 30);
    assertThat(config.tail().overflow()).isEqualTo(TailSettings.OverflowPolicy.CATCH_UP);
  }

  @Test
  void retentionFlagsTakeUnits() {
    BrokerConfig config = BrokerMain.parse(
        new String[] {"--retention-age", "12h", "--retention-bytes", "512MiB"});
    assertThat(config.retention().age()).isEqualTo(Duration.ofHours(12));
    assertThat(config.retention().bytes()).isEqualTo(512L << 20);
    assertThat(BrokerMain.parse(new String[] {"--retention-bytes", "0"}).retention().bytes())
        .isZero();
    assertThat(BrokerMain.parse(new String[] {"--retention-age", "45s"}).retention().age())
        .isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void badRetentionValuesNameTheFlag() {
    assertThatThrownBy(() -> BrokerMain.parse(new String[] {"--retention-age", "30"}))
        .hasMessageStartingWith("--retention-age: '30'");
    assertThatThrownBy(() -> BrokerMain.parse(new String[] {"--retention-age", "0d"}))
        .hasMessageStartingWith("--retention-age: '0d'");
    assertThatThrownBy(() -> BrokerMain.parse(new String[] {"--retention-bytes", "10GB"}))
        .hasMessageStartingWith("--retention-bytes: '10GB'");
    assertThatThrownBy(() -> BrokerMain.parse(new String[] {"--retention-bytes", "99999999999999TiB"}))
        .hasMessageContaining("too large");
  }
}
