/** Entry point of the personal settings section (templates/personal.php mounts it on #exsync-personal). */
import { createApp } from 'vue';
import PersonalSettings from './components/PersonalSettings.vue';

createApp(PersonalSettings).mount('#exsync-personal');
