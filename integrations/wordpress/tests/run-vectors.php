<?php
/**
 * The shared vectors against the plugin's PHP mapping: `php integrations/wordpress/tests/run-vectors.php`.
 * Exit 0 when every vector passes; prints each failure. tests/test_wordpress_mapping.py runs it.
 */

require __DIR__ . '/../warta/includes/mapping.php';

$data     = json_decode( file_get_contents( __DIR__ . '/vectors/mapping.json' ), true, 512, JSON_THROW_ON_ERROR );
$settings = $data['settings'];
$failed   = 0;
foreach ( $data['vectors'] as $vector ) {
	$mapped   = warta_map_post( $vector['post'], $settings );
	$expected = array(
		'event'  => isset( $vector['event'] ) ? $vector['event'] : null,
		'reason' => isset( $vector['reason'] ) ? $vector['reason'] : null,
	);
	// Compare as JSON with sorted keys: key order is not part of the event, list order is.
	$canon = function ( $value ) use ( &$canon ) {
		if ( is_array( $value ) && array_keys( $value ) !== range( 0, count( $value ) - 1 ) ) {
			ksort( $value );
		}
		return is_array( $value ) ? array_map( $canon, $value ) : $value;
	};
	if ( json_encode( $canon( $mapped ) ) !== json_encode( $canon( $expected ) ) ) {
		++$failed;
		fwrite( STDERR, "FAIL {$vector['name']}\n  got:      " . json_encode( $mapped ) . "\n  expected: " . json_encode( $expected ) . "\n" );
	}
}
printf( "%d vectors, %d failed\n", count( $data['vectors'] ), $failed );
exit( $failed ? 1 : 0 );
