<?php
/**
 * Must-use plugin of the test's WordPress. Featured images, as every news theme enables them
 * (Debian's WordPress ships no theme; without the support wp_insert_post ignores _thumbnail_id).
 */
add_action(
	'after_setup_theme',
	function () {
		add_theme_support( 'post-thumbnails' );
	}
);

/**
 * HTTP only to this machine's loopback. The site's own
 * host is www.andalpost.com, so WordPress's spawn_cron() (the plugin's fallback when the response
 * cannot end early) would otherwise reach out to it; WP_HTTP_BLOCK_EXTERNAL lets the site's own
 * host through, so it is not enough.
 */
add_filter(
	'pre_http_request',
	function ( $answer, $args, $url ) {
		$host = (string) wp_parse_url( $url, PHP_URL_HOST );
		if ( in_array( $host, array( '127.0.0.1', 'localhost', '[::1]' ), true ) ) {
			return $answer;
		}
		return new WP_Error( 'warta_e2e', "no network in the test: $url" );
	},
	10,
	3
);
