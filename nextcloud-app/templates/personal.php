<?php
/** The personal section is the Vue app of js/exsync-personal.mjs (sources in src/), mounted here. */
?>
<div id="exsync-personal"></div>
