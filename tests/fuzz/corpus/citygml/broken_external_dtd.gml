<?xml version="1.0"?>
<!DOCTYPE m SYSTEM "http://example.org/x.dtd">
<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" xmlns:gml="http://www.opengis.net/gml"><gml:name>&y;</gml:name></core:CityModel>
