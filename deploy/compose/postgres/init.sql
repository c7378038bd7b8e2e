-- One database per Python service, owned by the compose user (POSTGRES_USER egov).
-- Mounted into /docker-entrypoint-initdb.d/: runs once, when the data volume is empty.
-- Each service's DATABASE_URL in deploy/compose/compose.yaml names its database here.
CREATE DATABASE nuc_mock OWNER egov;
CREATE DATABASE gateway_shep OWNER egov;
CREATE DATABASE gbd_fl_mock OWNER egov;
CREATE DATABASE enis_mock OWNER egov;
CREATE DATABASE phc_registry OWNER egov;
CREATE DATABASE egov_portal OWNER egov;
CREATE DATABASE sms_gateway OWNER egov;
