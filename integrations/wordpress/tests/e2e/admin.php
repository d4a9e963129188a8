<?php
/**
 * What tests/test_wordpress_real.py's admin tests need around the admin screens, which it
 * requests over HTTP from PHP's built-in server: argv[1] is the phase, the rest its arguments.
 * - "users": an administrator (chief) and an editor (desk, no manage_options), password "pw";
 *   the plugin's settings as the settings page should show them;
 * - "options": prints the plugin's options as saved;
 * - "outbox" WARTA_URL DOWN_URL SECRET: outbox rows in every state, through the plugin's own
 *   saves and deliveries: one sent (warta accepted it), one failed (warta rejected it with a
 *   4xx: its section is not one of warta's), one pending (warta down), and one whose reason
 *   carries markup (planted); prints those rows and the counts by status;
 * - "save" HANGING_URL: a post saved twice while the webhook accepts connections and never
 *   answers; prints how long the saves and the whole request (its shutdown hooks, where the
 *   plugin hands the outbox over, included) took, the plugin's HTTP timeout and the post's rows.
 */
$_SERVER['HTTP_HOST']   = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
require getenv( 'WP_ROOT' ) . '/wp-load.php';
global $wpdb;
$phase = $argv[1];
$table = $wpdb->prefix . 'warta_outbox';

function e2e_post( $title, $category_slug ) {
	$category = get_term_by( 'slug', $category_slug, 'category' );
	$category = $category ? $category->term_id : wp_insert_term( ucfirst( $category_slug ), 'category', array( 'slug' => $category_slug ) )['term_id'];
	return wp_insert_post( array( 'post_title' => $title, 'post_content' => '<p>Isi.</p>', 'post_status' => 'publish', 'post_category' => array( $category ), 'post_author' => 1 ) );
}

function e2e_rows( $ids ) {
	global $wpdb, $table;
	$in = implode( ',', array_map( 'intval', $ids ) );
	return $wpdb->get_results( "SELECT post_id, event_id, status, attempts, last_error FROM $table WHERE post_id IN ($in) ORDER BY id", ARRAY_A );
}

if ( 'users' === $phase ) {
	foreach ( array( 'chief' => 'administrator', 'desk' => 'editor' ) as $login => $role ) {
		if ( ! get_user_by( 'login', $login ) ) {
			wp_insert_user( array( 'user_login' => $login, 'user_pass' => 'pw', 'user_email' => "$login@example.com", 'role' => $role ) );
		}
	}
	update_option( 'warta_webhook_url', 'https://warta.example/_webhook?site=andalpost&env=prod' );
	update_option( 'warta_secret', 'e2e-secret' );
	update_option( 'warta_post_types', 'post, page' );
	update_option( 'warta_sections', "nasional = Nasional\nekonomi = Ekonomi" );
	update_option( 'warta_default_section', 'ekonomi' );
	exit;
}
if ( 'options' === $phase ) {
	$options = array();
	foreach ( array( 'warta_webhook_url', 'warta_secret', 'warta_post_types', 'warta_sections', 'warta_default_section' ) as $name ) {
		$options[ $name ] = get_option( $name );
	}
	echo wp_json_encode( $options, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
	exit;
}
if ( 'outbox' === $phase ) {
	list( , , $warta_url, $down_url, $secret ) = $argv;
	update_option( 'warta_webhook_url', $warta_url );
	update_option( 'warta_secret', $secret );
	update_option( 'warta_default_section', '' );
	// "daerah" is a section of the plugin's but not of warta's site.toml: warta answers 400.
	update_option( 'warta_sections', "nasional = Nasional\nekonomi = Ekonomi\ndaerah = Daerah" );
	$ids = array(
		'sent'     => e2e_post( 'Banjir surut di pesisir utara', 'nasional' ),
		'rejected' => e2e_post( 'Pasar malam kembali dibuka', 'daerah' ),
	);
	warta_deliver();
	update_option( 'warta_webhook_url', $down_url );
	$ids['pending'] = e2e_post( 'Jembatan baru diresmikan', 'nasional' );
	$ids['planted'] = e2e_post( 'Gempa kecil tanpa kerusakan', 'nasional' );
	warta_deliver(); // both stay pending, with the refused connection as their last error
	// A reason with markup, as any answer could carry: planted, the same way warta's are kept.
	$wpdb->update( $table, array( 'status' => 'failed', 'last_error' => 'HTTP 400: <script>alert("warta")</script> & <b>more</b>' ), array( 'post_id' => $ids['planted'] ) );
	update_option( 'warta_sections', "nasional = Nasional\nekonomi = Ekonomi" );
	echo wp_json_encode(
		array(
			'ids'    => $ids,
			'rows'   => e2e_rows( $ids ),
			'counts' => $wpdb->get_results( "SELECT status, COUNT(*) AS n FROM $table GROUP BY status", OBJECT_K ),
		),
		JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE
	);
	exit;
}
if ( 'save' === $phase ) {
	update_option( 'warta_webhook_url', $argv[2] );
	$start    = microtime( true );
	$id       = e2e_post( 'Listrik padam sebentar di pusat kota', 'nasional' );
	$inserted = microtime( true );
	wp_update_post( array( 'ID' => $id, 'post_title' => 'Listrik padam dua jam di pusat kota' ) );
	$updated = microtime( true );
	// After WordPress's own shutdown hook (registered when it loaded), so after the plugin's.
	register_shutdown_function(
		function () use ( $start, $inserted, $updated, $id ) {
			echo wp_json_encode(
				array(
					'insert_seconds'  => $inserted - $start,
					'update_seconds'  => $updated - $inserted,
					'request_seconds' => microtime( true ) - $start,
					'timeout_seconds' => WARTA_SEND_TIMEOUT_SECONDS,
					'rows'            => e2e_rows( array( $id ) ),
				)
			);
		}
	);
	exit;
}
fwrite( STDERR, "unknown phase $phase\n" );
exit( 1 );
