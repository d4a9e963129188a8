<?php
/**
 * The outbox's delivery rules (includes/delivery.php): signature, backoff, what each answer does
 * to a row, the revision counter.
 *
 * Data providers are static and named twice, by annotation (PHPUnit 9, Debian 12's) and by
 * attribute (PHPUnit 10 and later; a comment to PHP 7).
 *
 * @package warta
 */

use PHPUnit\Framework\Attributes\DataProvider;
use PHPUnit\Framework\TestCase;

final class DeliveryTest extends TestCase {

	const NOW = 1700000000; // 2023-11-14 22:13:20 UTC

	public function testSignatureIsTheOneWartasWebhookComputes() {
		// warta.app.webhook_rules.signature_for(b"s3cret", "1700000000", body), UTF-8 body.
		$body = '{"event_id":"wp-12-r7","title":"Harga “aman”"}';
		$this->assertSame(
			'sha256=ed434ce54b7edd0b04ab7ab86ad5e8afae962dc84a1138c63b0f3e704cb2b9ed',
			warta_signature( 's3cret', '1700000000', $body )
		);
	}

	public function testSignedHeadersCarryTheTimestampTheSignatureCovers() {
		$headers = warta_signed_headers( 's3cret', self::NOW, '{}' );
		$this->assertSame( 'application/json', $headers['Content-Type'] );
		$this->assertSame( '1700000000', $headers['X-Warta-Timestamp'] );
		$this->assertSame( warta_signature( 's3cret', '1700000000', '{}' ), $headers['X-Warta-Signature'] );
		$this->assertNotSame( $headers['X-Warta-Signature'], warta_signed_headers( 's3cret', self::NOW + 1, '{}' )['X-Warta-Signature'] );
	}

	/** @dataProvider backoffs */
	#[DataProvider('backoffs')]
	public function testBackoffStartsAt30SecondsDoublesAndStopsAtAnHour( $attempts, $seconds ) {
		$this->assertSame( $seconds, warta_backoff_seconds( $attempts ) );
	}

	public static function backoffs() {
		return array(
			'first failure'   => array( 1, 30 ),
			'second'          => array( 2, 60 ),
			'third'           => array( 3, 120 ),
			'seventh'         => array( 7, 1920 ),
			'eighth: capped'  => array( 8, 3600 ),
			'hundredth'       => array( 100, 3600 ),
			'never below 30s' => array( 0, 30 ),
		);
	}

	/** @dataProvider successes */
	#[DataProvider('successes')]
	public function testA2xxAnswerMarksTheRowSent( $code ) {
		$this->assertSame(
			array( 'status' => 'sent', 'attempts' => 3, 'last_error' => null ),
			warta_delivery_result( 2, $code, '{"status":"accepted"}', '', self::NOW )
		);
	}

	public static function successes() {
		return array( '200 stale' => array( 200 ), '202 accepted' => array( 202 ), '204' => array( 204 ) );
	}

	/** @dataProvider rejections */
	#[DataProvider('rejections')]
	public function testA4xxRejectionIsKeptAsFailedWithWartasReasonNotRetried( $code, $answer, $error ) {
		$this->assertSame(
			array( 'status' => 'failed', 'attempts' => 1, 'last_error' => $error ),
			warta_delivery_result( 0, $code, $answer, '', self::NOW )
		);
	}

	public static function rejections() {
		return array(
			'400 naming the field' => array( 400, '{"error":"article.title: empty","field":"article.title"}', 'HTTP 400: article.title: empty' ),
			'413 too large'        => array( 413, '{"error":"body over 5242880 bytes"}', 'HTTP 413: body over 5242880 bytes' ),
			'404 not JSON'         => array( 404, '<html>Not Found</html>', 'HTTP 404' ),
		);
	}

	/** @dataProvider retried */
	#[DataProvider('retried')]
	public function testAnythingElseStaysPendingUntilTheBackoffRunsOut( $code, $answer, $transport_error, $error ) {
		$this->assertSame(
			array(
				'status'           => 'pending',
				'attempts'         => 3,
				'last_error'       => $error,
				'next_attempt_gmt' => gmdate( 'Y-m-d H:i:s', self::NOW + 120 ),
			),
			warta_delivery_result( 2, $code, $answer, $transport_error, self::NOW )
		);
	}

	public static function retried() {
		return array(
			'timeout'            => array( 0, '', 'cURL error 28: Operation timed out after 10001 milliseconds', 'cURL error 28: Operation timed out after 10001 milliseconds' ),
			'refused'            => array( 0, '', 'cURL error 7: Failed to connect to 127.0.0.1', 'cURL error 7: Failed to connect to 127.0.0.1' ),
			'no answer, no why'  => array( 0, '', '', 'no answer' ),
			'500'                => array( 500, '', '', 'HTTP 500' ),
			'503 with a reason'  => array( 503, '{"error":"render lock busy"}', '', 'HTTP 503: render lock busy' ),
			'401 bad signature'  => array( 401, '{"error":"signature does not match"}', '', 'HTTP 401: signature does not match' ),
			'408'                => array( 408, '', '', 'HTTP 408' ),
			'429'                => array( 429, '', '', 'HTTP 429' ),
			'3xx left over'      => array( 302, '', '', 'HTTP 302' ),
		);
	}

	public function testARowDownThenBackIsRetriedOnTheScheduleThenSent() {
		$row   = array( 'status' => 'pending', 'attempts' => 0 );
		$now   = self::NOW;
		$waits = array();
		for ( $try = 0; $try < 4; $try++ ) {
			$row     = warta_delivery_result( $row['attempts'], 0, '', 'cURL error 7: Failed to connect', $now );
			$next    = strtotime( $row['next_attempt_gmt'] . ' UTC' );
			$waits[] = $next - $now;
			$now     = $next;
		}
		$this->assertSame( array( 30, 60, 120, 240 ), $waits );
		$this->assertSame( 'sent', warta_delivery_result( $row['attempts'], 202, '', '', $now )['status'] );
	}

	public function testRevisionsStrictlyIncreaseForSavesInTheSameMillisecond() {
		$last = 0;
		$seen = array();
		for ( $save = 0; $save < 5; $save++ ) {
			$last   = warta_revision_after( $last, 1700000000000 );
			$seen[] = $last;
		}
		$this->assertSame( array( 1700000000000, 1700000000001, 1700000000002, 1700000000003, 1700000000004 ), $seen );
	}

	public function testRevisionFollowsTheClockAndNeverGoesBackWithIt() {
		$this->assertSame( 1700000005000, warta_revision_after( 1700000000000, 1700000005000 ) ); // later save
		$this->assertSame( 1700000000001, warta_revision_after( 1700000000000, 1600000000000 ) ); // clock set back
		$this->assertSame( 1740880800006, warta_revision_after( '1740880800005', 0 ) ); // meta is a string
	}
}
